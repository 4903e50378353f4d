package lambdaapi

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/firehose-local/firehose-local/lambdarunner"
)

// reservedEnv are the environment variables Lambda does not let customers
// set (AWS's list of reserved variables).
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true,
	"AWS_LAMBDA_LOG_GROUP_NAME": true, "AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true,
	"AWS_LAMBDA_RUNTIME_API": true, "LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

// awsCreatableRuntimes is the list AWS's refusal of an unknown runtime
// gives, as recorded on 2026-01-12.
const awsCreatableRuntimes = "nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, " +
	"python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, " +
	"nodejs18.x, provided.al2, java8.al2"

// checkRuntime refuses a runtime lambdarunner cannot start, naming the ones
// it can.
func (am *apiModel) checkRuntime(r string) error {
	if lambdarunner.SupportedRuntime(r) {
		return nil
	}
	if !slices.Contains(am.runtimes, r) {
		// A runtime Lambda does not know at all: AWS's refusal, with the
		// runtimes AWS lists there, in its order (recorded 2026-01-12:
		// LocalStack's test_create_lambda_exceptions).
		return invalidParam("Value %s at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [%s] or be a valid ARN",
			r, awsCreatableRuntimes)
	}
	var supported []string
	for _, known := range am.runtimes {
		if lambdarunner.SupportedRuntime(known) {
			supported = append(supported, known)
		}
	}
	return invalidParam("The runtime parameter of %s is not supported by firehose-local. Supported runtimes: %s.",
		r, strings.Join(supported, ", "))
}

// providedRuntime reports whether r runs CodeDir/bootstrap.
func providedRuntime(r string) bool { return strings.HasPrefix(r, "provided") }

// checkEnv applies Lambda's checks beyond the model's key pattern: no
// reserved keys, at most 4 KB in total. order is the request's order of
// the keys, which the 4 KB error quotes them in, as AWS does (recorded:
// LocalStack's test_large_environment_fails_multiple_keys); keys it lacks
// (all of them for the Go API's maps) follow, sorted.
func checkEnv(vars map[string]string, order []string) error {
	var reserved []string
	for k := range vars {
		if reservedEnv[k] {
			reserved = append(reserved, k)
		}
	}
	if len(reserved) > 0 {
		slices.Sort(reserved)
		return invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s",
			strings.Join(reserved, ", "))
	}
	if b := envJSON(vars, order); len(b) > maxEnvironmentBytes {
		return invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %s", b)
	}
	return nil
}

// envJSON renders the variables as a JSON object, as json.Marshal does
// but with the keys of order first, in that order.
func envJSON(vars map[string]string, order []string) []byte {
	keys := slices.DeleteFunc(slices.Clone(order), func(k string) bool { _, ok := vars[k]; return !ok })
	rest := slices.Sorted(maps.Keys(vars))
	rest = slices.DeleteFunc(rest, func(k string) bool { return slices.Contains(keys, k) })
	b := []byte{'{'}
	for i, k := range append(keys, rest...) {
		if i > 0 {
			b = append(b, ',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(vars[k])
		b = append(append(append(b, kb...), ':'), vb...)
	}
	return append(b, '}')
}

// applyConfig validates the configuration members of a CreateFunction or
// UpdateFunctionConfiguration request beyond the model and applies them to
// st. Members firehose-local cannot honour are refused by name.
func (am *apiModel) applyConfig(st *functionState, c *configMembers) error {
	if c.Runtime != nil {
		if err := am.checkRuntime(*c.Runtime); err != nil {
			return err
		}
		st.Runtime = *c.Runtime
	}
	if c.Role != nil {
		st.Role = *c.Role
	}
	if c.Handler != nil {
		st.Handler = *c.Handler
	}
	if c.Description != nil {
		st.Description = *c.Description
	}
	if c.Timeout != nil {
		if *c.Timeout > maxTimeoutSeconds {
			return newError(errValidation, "1 validation error detected: Value '%d' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to %d",
				*c.Timeout, maxTimeoutSeconds)
		}
		st.Timeout = *c.Timeout
	}
	if c.MemorySize != nil {
		if *c.MemorySize > maxMemorySizeMB {
			return newError(errValidation, "'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to %d", maxMemorySizeMB)
		}
		st.MemorySize = *c.MemorySize
	}
	if v := c.VpcConfig; v != nil {
		if len(v.SubnetIds) > 0 || len(v.SecurityGroupIds) > 0 || (v.Ipv6AllowedForDualStack != nil && *v.Ipv6AllowedForDualStack) {
			return unsupported("VpcConfig")
		}
		st.VpcConfig = &vpcConfigResponse{SubnetIds: []string{}, SecurityGroupIds: []string{}}
	}
	if d := c.DeadLetterConfig; d != nil && d.TargetArn != nil && *d.TargetArn != "" {
		return unsupported("DeadLetterConfig")
	}
	if c.Environment != nil {
		if err := checkEnv(c.Environment.Variables, c.Environment.order); err != nil {
			return err
		}
		// An empty Variables is kept, and described, as given: AWS echoes
		// Environment {"Variables": {}} (recorded: LocalStack's
		// test_function_lifecycle).
		st.Env = maps.Clone(c.Environment.Variables)
	}
	if c.KMSKeyArn != nil {
		st.KMSKeyArn = *c.KMSKeyArn
	}
	if t := c.TracingConfig; t != nil && t.Mode != nil && *t.Mode != "PassThrough" {
		return unsupported("TracingConfig.Mode " + *t.Mode)
	}
	if len(c.Layers) > 0 {
		return unsupported("Layers")
	}
	if len(c.FileSystemConfigs) > 0 {
		return unsupported("FileSystemConfigs")
	}
	if c.EphemeralStorage != nil {
		st.EphemeralStorage = c.EphemeralStorage.Size
	}
	if sn := c.SnapStart; sn != nil && sn.ApplyOn != nil && *sn.ApplyOn != "None" {
		return unsupported("SnapStart.ApplyOn " + *sn.ApplyOn)
	}
	if l := c.LoggingConfig; l != nil {
		switch {
		case l.LogFormat != nil && *l.LogFormat != "Text":
			return unsupported("LoggingConfig.LogFormat " + *l.LogFormat)
		case l.ApplicationLogLevel != nil:
			return unsupported("LoggingConfig.ApplicationLogLevel")
		case l.SystemLogLevel != nil:
			return unsupported("LoggingConfig.SystemLogLevel")
		case l.LogGroup != nil && *l.LogGroup != "/aws/lambda/"+st.Name:
			return unsupported("LoggingConfig.LogGroup other than /aws/lambda/" + st.Name)
		}
	}
	if c.CodeSigningConfigArn != nil && *c.CodeSigningConfigArn != "" {
		return unsupported("CodeSigningConfigArn")
	}
	return nil
}

// checkRunnable refuses a zip function without what it needs to start.
func checkRunnable(st *functionState) error {
	if st.Runtime == "" || st.Handler == "" {
		return invalidParam("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	return nil
}
