package firehose

import (
	"github.com/firehose-local/firehose-local/delivery"
	"github.com/firehose-local/firehose-local/protocol"
	"github.com/firehose-local/firehose-local/protocol/awsjson"
)

// checkSchema reads the Glue table of an enabled record format conversion,
// as CreateDeliveryStream and UpdateDestination do on AWS (with the
// stream's role): a table it cannot read refuses the call, with Glue's
// message after AWS's words (as a captured Lake Formation refusal shows).
func (s *Service) checkSchema(region string, d protocol.ExtendedS3DestinationConfiguration) *awsjson.Error {
	if !delivery.ConversionEnabled(d) {
		return nil
	}
	tableRegion, catalog, db, table, version := delivery.SchemaTarget(d.DataFormatConversionConfiguration, region, s.cfg.Account)
	var err *awsjson.Error
	if s.deps.Schemas == nil {
		err = awsjson.NewError("EntityNotFoundException", "No Glue Data Catalog is available.")
	} else {
		_, err = s.deps.Schemas(tableRegion, catalog, db, table, version)
	}
	if err != nil {
		return awsjson.NewError(awsjson.ErrInvalidArgument,
			"Access was denied when calling Glue. Please ensure that the role specified in the data format conversion configuration has the necessary permissions. %s", err.Message)
	}
	return nil
}
