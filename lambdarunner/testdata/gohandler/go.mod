// A test Lambda function built with aws-lambda-go. It is its own module so
// that the emulator's module does not depend on aws-lambda-go.
module example.com/gohandler

go 1.26

require github.com/aws/aws-lambda-go v1.55.1
