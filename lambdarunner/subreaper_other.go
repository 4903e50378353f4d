//go:build !linux

package lambdarunner

import "time"

// Subreaper is the calling process acting as a child subreaper, which
// only Linux offers.
type Subreaper struct{}

// BecomeSubreaper is Linux-only; elsewhere it returns
// ErrSubreaperUnsupported.
func BecomeSubreaper() (*Subreaper, error) { return nil, ErrSubreaperUnsupported }

// KillDescendants does nothing here.
func (s *Subreaper) KillDescendants(time.Duration) int { return 0 }

// Close does nothing here.
func (s *Subreaper) Close() {}
