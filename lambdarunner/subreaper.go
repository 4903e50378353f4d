package lambdarunner

import "errors"

// ErrSubreaperUnsupported is returned by BecomeSubreaper where the
// operating system has no child subreaper (everywhere but Linux).
var ErrSubreaperUnsupported = errors.New("lambdarunner: child subreaper not supported on this platform")
