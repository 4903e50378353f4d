package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// errExtraOperand is parseOperand's error for a second operand.
var errExtraOperand = errors.New("unexpected argument")

// parseOperand parses a subcommand's flags around its one operand (a
// function name, a RecordId), which may come before the flags, between
// them or after them. It returns the operand, "" when there is none. A bad
// flag is fs's error (which fs has reported), -h/--help flag.ErrHelp, and a
// second operand errExtraOperand.
func parseOperand(fs *flag.FlagSet, args []string) (string, error) {
	var operand string
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		args = fs.Args()
		if len(args) == 0 {
			return operand, nil
		}
		if operand != "" {
			return "", fmt.Errorf("%w %q", errExtraOperand, args[0])
		}
		operand, args = args[0], args[1:]
	}
}

// operandExit is the exit code of subcommand name when parseOperand failed
// with err: 0 for help, 2 otherwise, after saying what was wrong when fs
// has not.
func operandExit(stderr io.Writer, name string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.Is(err, errExtraOperand) {
		fmt.Fprintf(stderr, "firehose-local %s: %v\n", name, err)
	}
	return 2
}
