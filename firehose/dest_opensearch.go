package firehose

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"

	"github.com/firehose-local/firehose-local/console"
	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// The control plane of the OpenSearch Service, Elasticsearch and OpenSearch
// Serverless destinations: create, update (same kind only, as on AWS) and
// describe.

// openSearchMembers names each kind's Configuration and Update members.
var openSearchMembers = map[delivery.OpenSearchKind][2]string{
	delivery.OpenSearchService:    {"AmazonopensearchserviceDestinationConfiguration", "AmazonopensearchserviceDestinationUpdate"},
	delivery.Elasticsearch:        {"ElasticsearchDestinationConfiguration", "ElasticsearchDestinationUpdate"},
	delivery.OpenSearchServerless: {"AmazonOpenSearchServerlessDestinationConfiguration", "AmazonOpenSearchServerlessDestinationUpdate"},
}

// openSearchUpdateKind is the kind an update member updates, "" for
// members of other destinations.
func openSearchUpdateKind(member string) delivery.OpenSearchKind {
	for k, m := range openSearchMembers {
		if m[1] == member {
			return k
		}
	}
	return ""
}

// endpointPath is the ValidationException path of a kind's endpoint
// member in member (its Configuration or Update), e.g.
// amazonopensearchserviceDestinationConfiguration.clusterEndpoint.
func endpointPath(kind delivery.OpenSearchKind, member string) string {
	field := "clusterEndpoint"
	if kind == delivery.OpenSearchServerless {
		field = "collectionEndpoint"
	}
	return strings.ToLower(member[:1]) + member[1:] + "." + field
}

// createOpenSearch checks an OpenSearch-family destination of a
// CreateDeliveryStream request; nil when the request has none.
func createOpenSearch(in *protocol.CreateDeliveryStreamInput) (*delivery.OpenSearchSpec, *awsjson.Error) {
	var spec delivery.OpenSearchSpec
	switch {
	case in.AmazonopensearchserviceDestinationConfiguration != nil:
		spec = delivery.OpenSearchSpec{Kind: delivery.OpenSearchService, AmazonopensearchserviceDestinationConfiguration: *in.AmazonopensearchserviceDestinationConfiguration}
	case in.ElasticsearchDestinationConfiguration != nil:
		spec = delivery.OpenSearchSpec{Kind: delivery.Elasticsearch, AmazonopensearchserviceDestinationConfiguration: *in.ElasticsearchDestinationConfiguration}
	case in.AmazonOpenSearchServerlessDestinationConfiguration != nil:
		spec = delivery.FromServerless(*in.AmazonOpenSearchServerlessDestinationConfiguration)
	default:
		return nil, nil
	}
	if err := delivery.CheckOpenSearch(&spec); err != nil {
		return nil, err
	}
	if e := spec.ClusterEndpoint; e != nil {
		if err := delivery.CheckOpenSearchEndpoint(*e, endpointPath(spec.Kind, openSearchMembers[spec.Kind][0])); err != nil {
			return nil, err
		}
	}
	return &spec, nil
}

// checkOpenSearchUpdateEndpoint checks the endpoint of an OpenSearch-family
// update before the service's lock is taken (the check may resolve a name).
func checkOpenSearchUpdateEndpoint(in *protocol.UpdateDestinationInput) *awsjson.Error {
	check := func(kind delivery.OpenSearchKind, e *string) *awsjson.Error {
		if e == nil {
			return nil
		}
		return delivery.CheckOpenSearchEndpoint(*e, endpointPath(kind, openSearchMembers[kind][1]))
	}
	if u := in.AmazonopensearchserviceDestinationUpdate; u != nil {
		return check(delivery.OpenSearchService, u.ClusterEndpoint)
	}
	if u := in.ElasticsearchDestinationUpdate; u != nil {
		return check(delivery.Elasticsearch, u.ClusterEndpoint)
	}
	if u := in.AmazonOpenSearchServerlessDestinationUpdate; u != nil {
		return check(delivery.OpenSearchServerless, u.CollectionEndpoint)
	}
	return nil
}

// mergeOpenSearchUpdate applies an OpenSearch-family update to the
// stream's destination of the same kind; AWS changes no destination to or
// from these kinds. It returns ok false when neither the update nor the
// destination is of the OpenSearch family.
func mergeOpenSearchUpdate(st *stream, member string, update map[string]any) (next destination, ok bool, err *awsjson.Error) {
	kind := openSearchUpdateKind(member)
	cur := st.dest.OpenSearch
	if kind == "" && cur == nil {
		return next, false, nil
	}
	if kind == "" || cur == nil || cur.Kind != kind {
		from, to := "Amazon S3 or an HTTP endpoint", string(kind)
		if cur != nil {
			from = string(cur.Kind)
		}
		if kind == "" {
			to = strings.TrimSuffix(member, "DestinationUpdate")
		}
		return next, true, awsjson.NewError(awsjson.ErrInvalidArgument,
			"Firehose %s cannot change its destination from %s to %s: updates to and from the Amazon OpenSearch Service, Elasticsearch and OpenSearch Serverless destinations keep their kind.", st.name, from, to)
	}
	var spec delivery.OpenSearchSpec
	if kind == delivery.OpenSearchServerless {
		c, err := mergeUpdate[protocol.AmazonOpenSearchServerlessDestinationConfiguration](cur.Serverless(), update, s3UpdateRenames)
		if err != nil {
			return next, true, err
		}
		spec = delivery.FromServerless(c)
	} else {
		// An endpoint given in the update replaces the domain, and the
		// other way round.
		base := cur.AmazonopensearchserviceDestinationConfiguration
		if hasMembers(update, "ClusterEndpoint") && !hasMembers(update, "DomainARN") {
			base.DomainARN = nil
		}
		if hasMembers(update, "DomainARN") && !hasMembers(update, "ClusterEndpoint") {
			base.ClusterEndpoint = nil
		}
		c, err := mergeUpdate[protocol.AmazonopensearchserviceDestinationConfiguration](base, update, s3UpdateRenames)
		if err != nil {
			return next, true, err
		}
		spec.Kind = kind
		spec.AmazonopensearchserviceDestinationConfiguration = c
	}
	if err := delivery.CheckOpenSearch(&spec); err != nil {
		return next, true, err
	}
	next.OpenSearch = &spec
	return next, true, nil
}

// describeOpenSearch renders an OpenSearch-family destination with its
// defaults materialised and the S3 configuration nested as
// S3DestinationDescription.
func describeOpenSearch(s delivery.OpenSearchSpec) protocol.DestinationDescription {
	size, interval := delivery.BufferingHints(s.BufferingHints)
	retry := s.RetrySeconds()
	hints := &protocol.BufferingHints{SizeInMBs: &size, IntervalInSeconds: &interval}
	retryOpts := &protocol.HttpEndpointRetryOptions{DurationInSeconds: &retry}
	s3 := describeS3(s.S3()).S3DestinationDescription
	role, index := s.RoleARN, s.IndexName
	out := protocol.DestinationDescription{DestinationId: DestinationID}
	if s.Kind == delivery.OpenSearchServerless {
		out.AmazonOpenSearchServerlessDestinationDescription = &protocol.AmazonOpenSearchServerlessDestinationDescription{
			RoleARN: &role, CollectionEndpoint: s.ClusterEndpoint, IndexName: &index, BufferingHints: hints, RetryOptions: retryOpts,
			S3BackupMode: s.BackupMode(), S3DestinationDescription: s3,
			ProcessingConfiguration:     describeProcessing(s.ProcessingConfiguration, s.RoleARN),
			CloudWatchLoggingOptions:    loggingOptions(s.CloudWatchLoggingOptions),
			VpcConfigurationDescription: describeVpc(s.VpcConfiguration),
		}
		return out
	}
	d := &protocol.AmazonopensearchserviceDestinationDescription{
		RoleARN: &role, DomainARN: s.DomainARN, ClusterEndpoint: s.ClusterEndpoint, IndexName: &index, TypeName: s.TypeName,
		IndexRotationPeriod: s.Rotation(), BufferingHints: hints, RetryOptions: retryOpts,
		S3BackupMode: s.BackupMode(), S3DestinationDescription: s3,
		ProcessingConfiguration:     describeProcessing(s.ProcessingConfiguration, s.RoleARN),
		CloudWatchLoggingOptions:    loggingOptions(s.CloudWatchLoggingOptions),
		VpcConfigurationDescription: describeVpc(s.VpcConfiguration),
		DocumentIdOptions:           &protocol.DocumentIdOptions{DefaultDocumentIdFormat: s.IDFormat()},
	}
	if s.Kind == delivery.Elasticsearch {
		out.ElasticsearchDestinationDescription = d
	} else {
		out.AmazonopensearchserviceDestinationDescription = d
	}
	return out
}

// describeVpc describes a VpcConfiguration, kept as configuration only,
// with a VpcId derived from its subnets (no VPC can be looked up locally).
func describeVpc(v *protocol.VpcConfiguration) *protocol.VpcConfigurationDescription {
	if v == nil {
		return nil
	}
	sum := sha256.Sum256([]byte(strings.Join(v.SubnetIds, ",")))
	return &protocol.VpcConfigurationDescription{SubnetIds: v.SubnetIds, RoleARN: v.RoleARN, SecurityGroupIds: v.SecurityGroupIds,
		VpcId: "vpc-" + hex.EncodeToString(sum[:])[:17]}
}

// countDestinations counts the destinations a stored stream has (one is
// valid).
func countDestinations(ss storedStream) int {
	n := 0
	for _, set := range []bool{ss.S3 != nil, ss.HTTP != nil, ss.Splunk != nil, ss.OpenSearch != nil, ss.Redshift != nil} {
		if set {
			n++
		}
	}
	return n
}

// consoleOpenSearch fills the console's view of an OpenSearch-family
// destination and returns its S3 configuration, hints and processing.
func consoleOpenSearch(v *console.Stream, s delivery.OpenSearchSpec, d protocol.DestinationDescription) (*protocol.S3DestinationDescription, *protocol.BufferingHints, *protocol.ProcessingConfiguration) {
	v.Destination = map[delivery.OpenSearchKind]string{
		delivery.OpenSearchService: "Amazon OpenSearch Service", delivery.Elasticsearch: "Elasticsearch",
		delivery.OpenSearchServerless: "Amazon OpenSearch Serverless",
	}[s.Kind]
	v.EndpointName = "for index " + s.IndexName + " at" // "endpoint for index logs at https://…"
	if u, err := url.Parse(s.Endpoint()); err == nil {
		v.EndpointURL = u.Scheme + "://" + u.Host
	}
	if o := d.AmazonOpenSearchServerlessDestinationDescription; o != nil {
		return o.S3DestinationDescription, o.BufferingHints, o.ProcessingConfiguration
	}
	o := d.AmazonopensearchserviceDestinationDescription
	if o == nil {
		o = d.ElasticsearchDestinationDescription
	}
	return o.S3DestinationDescription, o.BufferingHints, o.ProcessingConfiguration
}
