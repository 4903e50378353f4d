package integration_test

import (
	"os"
	"path/filepath"
)

// readModel reads the botocore Firehose model from ../shared when this
// checkout sits beside it, else the copy embedded in protocol/.
func readModel() ([]byte, error) {
	for _, p := range []string{
		filepath.Join("..", "..", "shared", "aws-models", "firehose-2015-08-04.json"),
		filepath.Join("..", "protocol", "models", "firehose-2015-08-04.json"),
	} {
		if b, err := os.ReadFile(p); err == nil {
			return b, nil
		}
	}
	return os.ReadFile(filepath.Join("..", "protocol", "models", "firehose-2015-08-04.json"))
}
