package integration_test

import (
	"os"
	"path/filepath"
)

// readModel reads botocore's Firehose model as the repository holds it for
// protocol/ to embed: every operation and shape, without documentation.
func readModel() ([]byte, error) {
	return os.ReadFile(filepath.Join("..", "protocol", "models", "firehose-2015-08-04.json"))
}
