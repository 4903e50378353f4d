package integration_test

import (
	"os"
	"path/filepath"
)

// readModel reads botocore's Firehose model, the whole of it, as the
// repository holds it for protocol/ to embed.
func readModel() ([]byte, error) {
	return os.ReadFile(filepath.Join("..", "protocol", "models", "firehose-2015-08-04.json"))
}
