//go:build !amd64 || purego

package base64x

const vector = false

func blocks(dst, src *byte, n int) bool { panic("base64x: no vector code here") }
