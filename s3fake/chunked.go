package s3fake

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"

	"github.com/firehose-local/firehose-local/protocol/sigv4"
)

// aws-chunked framing, as sent by the AWS SDKs for streaming uploads:
//
//	<hex size>[;chunk-signature=<sig>]\r\n
//	<size bytes of data>\r\n
//	... more chunks ...
//	0[;chunk-signature=<sig>]\r\n
//	[<trailer name>:<value>\r\n ...]
//	\r\n
//
// Unsigned bodies (STREAMING-UNSIGNED-PAYLOAD-TRAILER) have no chunk
// signatures; signed ones with trailers end the trailer section with an
// x-amz-trailer-signature line. Signatures are verified when the request's
// signature was (see WithSignature): every chunk, the final one included, must
// carry the next signature of the chain, and the trailers theirs.

const (
	// maxChunkLine bounds a chunk header or trailer line, CRLF included.
	maxChunkLine = 4096
	// maxTrailers bounds the number of trailer lines.
	maxTrailers = 64
	// maxChunkSizeDigits bounds the hex chunk size (a 60-bit number).
	maxChunkSizeDigits = 15
)

// chunkState is where a chunkedReader is in the framing.
type chunkState int

const (
	stateChunkHeader chunkState = iota // expecting "<hex size>[;ext]\r\n"
	stateChunkData                     // inside chunk data
	stateChunkEnd                      // expecting the CRLF after chunk data
	stateTrailers                      // reading trailer lines after the last chunk
	stateDone                          // the final CRLF has been read
)

// chunkedReader decodes an aws-chunked stream. It returns exactly the payload
// bytes, checks that they add up to the declared decoded length, collects the
// trailers, and reports framing problems as S3 errors (which gofakes3 renders
// as 400 responses). Errors are sticky.
type chunkedReader struct {
	src       *bufio.Reader
	state     chunkState
	remaining int64 // unread data bytes in the current chunk
	decoded   int64 // data bytes returned so far
	length    int64 // declared decoded length
	trailers  map[string]string
	err       error

	// Signature checking, when the request's signature was verified.
	chunks    *sigv4.ChunkVerifier
	accessKey string
	chunkSig  string    // signature of the current chunk
	chunkHash hash.Hash // SHA-256 of the current chunk's data
	fail      *bodyFailure
}

// newChunkedReader decodes src, whose payload must be exactly length bytes.
func newChunkedReader(src io.Reader, length int64) *chunkedReader {
	return &chunkedReader{
		src:      bufio.NewReaderSize(src, maxChunkLine),
		length:   length,
		trailers: map[string]string{},
	}
}

// verifySignatures makes the reader check chunk and trailer signatures with
// chunks, reporting failures to fail as well.
func (c *chunkedReader) verifySignatures(chunks *sigv4.ChunkVerifier, accessKey string, fail *bodyFailure) {
	c.chunks, c.accessKey, c.fail = chunks, accessKey, fail
	c.chunkHash = sha256.New()
}

// Trailers returns the trailers read so far, keyed by lower-case name. It is
// complete once Read has returned io.EOF.
func (c *chunkedReader) Trailers() map[string]string { return c.trailers }

// Read implements io.Reader.
func (c *chunkedReader) Read(p []byte) (int, error) {
	if len(p) == 0 && c.err == nil {
		return 0, nil
	}
	for c.err == nil {
		switch c.state {
		case stateChunkHeader:
			c.err = c.readChunkHeader()
		case stateChunkData:
			return c.readData(p)
		case stateChunkEnd:
			c.err = c.readChunkEnd()
		case stateTrailers:
			c.err = c.readTrailer()
		case stateDone:
			c.err = c.finish()
		}
	}
	return 0, c.err
}

// readData copies chunk data into p.
func (c *chunkedReader) readData(p []byte) (int, error) {
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.src.Read(p)
	c.remaining -= int64(n)
	c.decoded += int64(n)
	if c.chunks != nil {
		c.chunkHash.Write(p[:n])
	}
	if c.remaining == 0 {
		c.state = stateChunkEnd
		if c.chunks != nil && !c.chunks.Chunk(c.chunkSig, c.chunkHash.Sum(nil)) {
			c.err = c.fail.set(chunkSignatureError(c.accessKey))
			return n, nil
		}
	}
	switch {
	case err == io.EOF && c.remaining > 0:
		c.err = errIncomplete("the body ended inside a chunk")
	case err != nil && err != io.EOF:
		c.err = err
	}
	if n > 0 {
		return n, nil
	}
	return 0, c.err
}

// readChunkHeader parses "<hex size>[;extensions]\r\n".
func (c *chunkedReader) readChunkHeader() error {
	line, err := c.readLine()
	if errors.Is(err, errNoLine) {
		return errIncomplete("the body ended before the final chunk")
	}
	if err != nil {
		return err
	}
	sizeText, ext, _ := strings.Cut(line, ";")
	if sizeText == "" || len(sizeText) > maxChunkSizeDigits {
		return errMalformed("invalid chunk size %q", sizeText)
	}
	size, err := strconv.ParseInt(sizeText, 16, 64)
	if err != nil || size < 0 {
		return errMalformed("invalid chunk size %q", sizeText)
	}
	if size > c.length-c.decoded {
		return errIncomplete("the chunks are longer than X-Amz-Decoded-Content-Length")
	}
	if c.chunks != nil {
		c.chunkSig = chunkSignature(ext)
		c.chunkHash.Reset()
		if size == 0 && !c.chunks.Chunk(c.chunkSig, c.chunkHash.Sum(nil)) {
			return c.fail.set(chunkSignatureError(c.accessKey))
		}
	}
	if size == 0 {
		c.state = stateTrailers
		return nil
	}
	c.remaining = size
	c.state = stateChunkData
	return nil
}

// readChunkEnd consumes the CRLF that ends chunk data.
func (c *chunkedReader) readChunkEnd() error {
	var crlf [2]byte
	if _, err := io.ReadFull(c.src, crlf[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return errIncomplete("the body ended after chunk data")
		}
		return err
	}
	if crlf != [2]byte{'\r', '\n'} {
		return errMalformed("chunk data is not followed by CRLF")
	}
	c.state = stateChunkHeader
	return nil
}

// readTrailer reads one trailer line; an empty line ends the trailers. The
// body may also simply end after the last chunk or trailer.
func (c *chunkedReader) readTrailer() error {
	line, err := c.readLine()
	if errors.Is(err, errNoLine) {
		c.state = stateDone
		return c.checkTrailerSignature()
	}
	if err != nil {
		return err
	}
	if line == "" {
		c.state = stateDone
		return c.checkTrailerSignature()
	}
	name, value, ok := strings.Cut(line, ":")
	name = strings.ToLower(strings.TrimSpace(name))
	if !ok || name == "" {
		return errMalformed("invalid trailer line %q", line)
	}
	if len(c.trailers) >= maxTrailers {
		return errMalformed("too many trailers")
	}
	c.trailers[name] = strings.TrimSpace(value)
	return nil
}

// checkTrailerSignature verifies x-amz-trailer-signature over the trailers
// when the body is signed with trailers.
func (c *chunkedReader) checkTrailerSignature() error {
	if c.chunks == nil || !c.chunks.ExpectsTrailer() {
		return nil
	}
	if !c.chunks.Trailer(c.trailers["x-amz-trailer-signature"], c.trailers) {
		return c.fail.set(chunkSignatureError(c.accessKey))
	}
	return nil
}

// chunkSignature finds chunk-signature=SIG among a chunk's extensions.
func chunkSignature(ext string) string {
	for _, e := range strings.Split(ext, ";") {
		if name, value, ok := strings.Cut(strings.TrimSpace(e), "="); ok && name == "chunk-signature" {
			return value
		}
	}
	return ""
}

// finish checks the decoded length and that nothing follows the final CRLF.
func (c *chunkedReader) finish() error {
	if c.decoded != c.length {
		return errIncomplete("the chunks are shorter than X-Amz-Decoded-Content-Length")
	}
	if _, err := c.src.ReadByte(); err != io.EOF {
		if err != nil {
			return err
		}
		return errMalformed("unexpected data after the final chunk")
	}
	return io.EOF
}

// errNoLine is returned by readLine when the body ends cleanly before a line.
var errNoLine = errors.New("no line")

// readLine reads a CRLF-terminated line and returns it without the CRLF.
func (c *chunkedReader) readLine() (string, error) {
	line, err := c.src.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return "", errMalformed("chunk header or trailer line too long")
	case err == io.EOF && len(line) == 0:
		return "", errNoLine
	case err == io.EOF:
		return "", errIncomplete("the body ended inside a chunk header or trailer")
	case err != nil:
		return "", err
	}
	line, ok := bytes.CutSuffix(line, []byte("\r\n"))
	if !ok {
		return "", errMalformed("chunk header or trailer line not terminated by CRLF")
	}
	return string(line), nil
}

// errMalformed is the error for aws-chunked syntax errors.
func errMalformed(format string, args ...any) error {
	return gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument, "malformed aws-chunked body: "+format, args...)
}

// errIncomplete is the error for aws-chunked bodies of the wrong length.
func errIncomplete(msg string) error {
	return gofakes3.ErrorMessage(gofakes3.ErrIncompleteBody, "malformed aws-chunked body: "+msg)
}
