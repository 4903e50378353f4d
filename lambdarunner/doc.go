// Package lambdarunner runs a user's unmodified AWS Lambda function as a
// local subprocess that speaks the Lambda Runtime API, without Docker.
//
// A [Runner] keeps, per function, a pool of warm processes ("execution
// environments"). Each process gets its own Runtime API listener on
// 127.0.0.1:0, served by one HTTP server per function, and handles one
// invocation at a time. The design follows the invoke router of the AWS
// Lambda Runtime Interface Emulator: every GET /runtime/invocation/next parks
// an idle runtime in the pool, an invocation takes one (cold-starting a new
// process when none is idle and the pool is not full), and each invocation
// runs under its own timeout. A process that times out, crashes or panics is
// killed together with its process group and replaced on the next invocation.
// Whatever a process started dies with it: on Linux also the descendants
// that left its process group (setsid, double forks), found in /proc by
// their parent links and by the environment entry
// AWS_LAMBDA_LOG_STREAM_NAME=<stream> they inherit. A program may make
// itself a child subreaper with BecomeSubreaper (the firehose-local binary
// does; it is process-wide, so the Runner does not) to adopt, reap and, at
// shutdown, kill orphans that also replaced their environment.
//
// Supported runtimes are provided.al2023 and provided.al2 (the user's
// CodeDir/bootstrap, e.g. an aws-lambda-go binary), python3.9 to python3.13
// and nodejs18.x to nodejs22.x. The Python and Node.js runtime clients are
// small standard-library-only bootstraps embedded in this package; they run
// on the host's python3 and node and reproduce the behaviour of the official
// runtime interface clients (handler resolution, context object, error
// bodies, log line format).
//
// Everything the function prints is captured line by line (a line longer
// than a CloudWatch Logs event, 256 KiB less 26 bytes, in consecutive
// pieces as Lambda splits it), attributed to the invocation that was
// running, and completed with Lambda's START, END and REPORT platform lines.
// Options.LogSink gets every line; Options.Logger a rate-limited share
// (Options.OutputLogRate). The package only works on Unix-like systems.
package lambdarunner
