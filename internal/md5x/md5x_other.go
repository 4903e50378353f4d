//go:build !amd64 || purego

package md5x

const vector = false

func block16(*[lanes][64]byte, *[4][lanes]uint32) { panic("md5x: no vector code here") }
