//go:build !linux

package prefault

import "unsafe"

// populate is Linux's; elsewhere buffers are touched page by page.
func populate(unsafe.Pointer, uintptr) bool { return false }

// adviseHuge is Linux's; elsewhere buffers are mapped in whatever pages
// the system gives.
func adviseHuge(unsafe.Pointer, uintptr) (start, end uintptr) { return 0, 0 }

func endHuge(start, end uintptr) {}
