package lambdaapi

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// Request members firehose-local implements. A member the model defines but
// these types lack is refused by name ("firehose-local does not support X
// yet."); members that are present here but cannot be honoured with some
// values (Layers, Publish, VpcConfig subnets, ...) are checked in
// checkConfig.

type functionCode struct {
	ZipFile             []byte  `json:"ZipFile"`
	S3Bucket            *string `json:"S3Bucket"`
	S3Key               *string `json:"S3Key"`
	S3ObjectVersion     *string `json:"S3ObjectVersion"`
	S3ObjectStorageMode *string `json:"S3ObjectStorageMode"`
	SourceKMSKeyArn     *string `json:"SourceKMSKeyArn"`
	// ImageUri: refused.
}

type vpcConfig struct {
	SubnetIds               []string `json:"SubnetIds"`
	SecurityGroupIds        []string `json:"SecurityGroupIds"`
	Ipv6AllowedForDualStack *bool    `json:"Ipv6AllowedForDualStack"`
}

type deadLetterConfig struct {
	TargetArn *string `json:"TargetArn"`
}

type environment struct {
	Variables map[string]string `json:"Variables"`
	// order is Variables' keys in the request's order (UnmarshalJSON), the
	// order AWS quotes them in when the environment is too large.
	order []string
}

// UnmarshalJSON decodes an Environment and keeps the order of its
// variables.
func (e *environment) UnmarshalJSON(b []byte) error {
	var plain struct {
		Variables map[string]string `json:"Variables"`
	}
	if err := json.Unmarshal(b, &plain); err != nil {
		return err
	}
	e.Variables, e.order = plain.Variables, nil
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil
		}
		if name, _ := k.(string); !strings.EqualFold(name, "Variables") {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		order, ok := objectKeys(dec)
		if !ok {
			return nil
		}
		e.order = order
	}
	return nil
}

// objectKeys reads a JSON object from dec and returns its keys in order,
// each once; false if the value is not an object.
func objectKeys(dec *json.Decoder) ([]string, bool) {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false
		}
		if key, _ := k.(string); !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return nil, false
		}
	}
	return keys, true
}

type tracingConfig struct {
	Mode *string `json:"Mode"`
}

type ephemeralStorage struct {
	Size int `json:"Size"`
}

type snapStart struct {
	ApplyOn *string `json:"ApplyOn"`
}

type loggingConfig struct {
	LogFormat           *string `json:"LogFormat"`
	ApplicationLogLevel *string `json:"ApplicationLogLevel"`
	SystemLogLevel      *string `json:"SystemLogLevel"`
	LogGroup            *string `json:"LogGroup"`
}

// configMembers are the configuration members CreateFunction and
// UpdateFunctionConfiguration share.
type configMembers struct {
	Runtime              *string           `json:"Runtime"`
	Role                 *string           `json:"Role"`
	Handler              *string           `json:"Handler"`
	Description          *string           `json:"Description"`
	Timeout              *int              `json:"Timeout"`
	MemorySize           *int              `json:"MemorySize"`
	VpcConfig            *vpcConfig        `json:"VpcConfig"`
	DeadLetterConfig     *deadLetterConfig `json:"DeadLetterConfig"`
	Environment          *environment      `json:"Environment"`
	KMSKeyArn            *string           `json:"KMSKeyArn"`
	TracingConfig        *tracingConfig    `json:"TracingConfig"`
	Layers               []string          `json:"Layers"`
	FileSystemConfigs    []any             `json:"FileSystemConfigs"`
	EphemeralStorage     *ephemeralStorage `json:"EphemeralStorage"`
	SnapStart            *snapStart        `json:"SnapStart"`
	LoggingConfig        *loggingConfig    `json:"LoggingConfig"`
	CodeSigningConfigArn *string           `json:"CodeSigningConfigArn"` // CreateFunction only
	// ImageConfig, CapacityProviderConfig, DurableConfig, TenancyConfig: refused.
}

type createFunctionRequest struct {
	configMembers
	FunctionName  string            `json:"FunctionName"`
	Code          *functionCode     `json:"Code"`
	Publish       *bool             `json:"Publish"`
	PackageType   *string           `json:"PackageType"`
	Tags          map[string]string `json:"Tags"`
	Architectures []string          `json:"Architectures"`
	// PublishTo: refused.
}

type updateFunctionConfigurationRequest struct {
	configMembers
	RevisionID *string `json:"RevisionId"`
}

type updateFunctionCodeRequest struct {
	functionCode
	Architectures []string `json:"Architectures"`
	Publish       *bool    `json:"Publish"`
	DryRun        *bool    `json:"DryRun"`
	RevisionID    *string  `json:"RevisionId"`
	// ImageUri, PublishTo: refused.
}

// Responses.

// FunctionConfiguration as Lambda returns it.
type functionConfiguration struct {
	FunctionName     string                `json:"FunctionName"`
	FunctionArn      string                `json:"FunctionArn"`
	Runtime          string                `json:"Runtime"`
	Role             string                `json:"Role"`
	Handler          string                `json:"Handler"`
	CodeSize         int64                 `json:"CodeSize"`
	Description      string                `json:"Description"`
	Timeout          int                   `json:"Timeout"`
	MemorySize       int                   `json:"MemorySize"`
	LastModified     string                `json:"LastModified"`
	CodeSha256       string                `json:"CodeSha256"`
	Version          string                `json:"Version"`
	VpcConfig        *vpcConfigResponse    `json:"VpcConfig,omitempty"`
	Environment      *environment          `json:"Environment,omitempty"`
	KMSKeyArn        string                `json:"KMSKeyArn,omitempty"`
	TracingConfig    tracingConfigResponse `json:"TracingConfig"`
	RevisionID       string                `json:"RevisionId"`
	State            string                `json:"State,omitempty"`
	StateReason      string                `json:"StateReason,omitempty"`
	StateReasonCode  string                `json:"StateReasonCode,omitempty"`
	LastUpdateStatus string                `json:"LastUpdateStatus,omitempty"`
	// LastUpdateStatusReason and LastUpdateStatusReasonCode, as AWS
	// answers an update.
	LastUpdateStatusReason     string                `json:"LastUpdateStatusReason,omitempty"`
	LastUpdateStatusReasonCode string                `json:"LastUpdateStatusReasonCode,omitempty"`
	PackageType                string                `json:"PackageType"`
	Architectures              []string              `json:"Architectures"`
	EphemeralStorage           ephemeralStorage      `json:"EphemeralStorage"`
	SnapStart                  snapStartResponse     `json:"SnapStart"`
	LoggingConfig              loggingConfigResponse `json:"LoggingConfig"`
	RuntimeVersionConfig       *runtimeVersionConfig `json:"RuntimeVersionConfig,omitempty"`
}

type runtimeVersionConfig struct {
	RuntimeVersionArn string `json:"RuntimeVersionArn"`
}

type vpcConfigResponse struct {
	SubnetIds               []string `json:"SubnetIds"`
	SecurityGroupIds        []string `json:"SecurityGroupIds"`
	VpcID                   string   `json:"VpcId"`
	Ipv6AllowedForDualStack bool     `json:"Ipv6AllowedForDualStack"`
}

type tracingConfigResponse struct {
	Mode string `json:"Mode"`
}

type snapStartResponse struct {
	ApplyOn            string `json:"ApplyOn"`
	OptimizationStatus string `json:"OptimizationStatus"`
}

type loggingConfigResponse struct {
	LogFormat string `json:"LogFormat"`
	LogGroup  string `json:"LogGroup"`
}

type functionCodeLocation struct {
	RepositoryType  string `json:"RepositoryType"`
	Location        string `json:"Location"`
	SourceKMSKeyArn string `json:"SourceKMSKeyArn,omitempty"`
}

type getFunctionResponse struct {
	Configuration functionConfiguration `json:"Configuration"`
	Code          functionCodeLocation  `json:"Code"`
	Tags          map[string]string     `json:"Tags,omitempty"`
}

type listFunctionsResponse struct {
	Functions  []functionConfiguration `json:"Functions"`
	NextMarker *string                 `json:"NextMarker,omitempty"`
}
