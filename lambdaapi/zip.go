package lambdaapi

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// zipLimits bounds an extraction.
type zipLimits struct {
	maxUnzipped int64 // total bytes written, counted while decompressing
}

// errOverLimit reports that a file took the rest of the size budget.
var errOverLimit = errors.New("unzipped size limit exceeded")

// maxSymlinkTarget bounds the length of a symbolic link's target.
const maxSymlinkTarget = 4096

func badZip() *apiError {
	return invalidParam("Could not unzip uploaded file. Please check your file, then try to upload again.")
}

func unsafeEntry(name, why string) *apiError {
	return invalidParam("Could not unzip uploaded file: the entry %q %s.", name, why)
}

func tooBig(limit int64) *apiError {
	return invalidParam("Unzipped size must be smaller than %d bytes", limit)
}

// extractZip unpacks a deployment package into dest, an existing empty
// directory, without ever writing outside it:
//   - entry names are taken relative to dest; absolute names, names with NUL
//     bytes and names that climb out with ".." are refused ("\" counts as a
//     separator, for archives made on Windows);
//   - every file operation goes through an os.Root, so nothing is written
//     through a symbolic link;
//   - symbolic links are created last, and only if their target is relative
//     and resolves (following the package's own links) to an existing path
//     inside dest;
//   - decompressed bytes are counted as they are written, not taken from the
//     headers, so a zip bomb stops at the limit.
//
// A regular file keeps the executable bit of its zip mode (0755, else 0644).
// Errors are *apiError values (InvalidParameterValueException) except I/O
// failures of dest itself.
func extractZip(data []byte, dest string, lim zipLimits) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return badZip()
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return err
	}
	defer root.Close()

	type link struct{ name, target string }
	var links []link
	var total int64
	for _, f := range zr.File {
		name, err := entryName(f.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue // "./"
		}
		mode := f.Mode()
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/") || strings.HasSuffix(f.Name, `\`):
			if err := root.MkdirAll(name, 0o755); err != nil {
				return unsafeEntry(f.Name, "cannot be created as a directory: "+pathErr(err))
			}
		case mode&fs.ModeSymlink != 0:
			target, err := readSymlinkTarget(f)
			if err != nil {
				return err
			}
			total += int64(len(target))
			if total > lim.maxUnzipped {
				return tooBig(lim.maxUnzipped)
			}
			if target == "" || strings.ContainsRune(target, 0) || path.IsAbs(target) || filepath.IsAbs(target) {
				return unsafeEntry(f.Name, "is a symbolic link to "+fmt.Sprintf("%q", target)+", which is not a relative path inside the package")
			}
			if !filepath.IsLocal(path.Join(path.Dir(name), target)) {
				return unsafeEntry(f.Name, "is a symbolic link pointing outside the function's directory")
			}
			links = append(links, link{name, target})
		case mode.IsRegular():
			n, err := extractFile(root, f, name, lim.maxUnzipped-total)
			total += n
			if errors.Is(err, errOverLimit) {
				return tooBig(lim.maxUnzipped)
			}
			if err != nil {
				return err
			}
		default:
			return unsafeEntry(f.Name, "is not a regular file, directory or symbolic link")
		}
	}

	// Links last, so that no file above was written through one.
	sort.Slice(links, func(i, j int) bool { return links[i].name < links[j].name })
	var created []string
	fail := func(err error) error {
		for i := len(created) - 1; i >= 0; i-- {
			_ = root.Remove(created[i])
		}
		return err
	}
	for _, l := range links {
		if dir := path.Dir(l.name); dir != "." {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return fail(unsafeEntry(l.name, "cannot be created: "+pathErr(err)))
			}
		}
		if err := root.Symlink(l.target, l.name); err != nil {
			return fail(unsafeEntry(l.name, "cannot be created as a symbolic link: "+pathErr(err)))
		}
		created = append(created, l.name)
	}
	if len(links) > 0 {
		realDest, err := filepath.EvalSymlinks(dest)
		if err != nil {
			return fail(err)
		}
		// Check where each link really leads, through the package's other
		// links: a lexically harmless target can climb out through them.
		for _, l := range links {
			p := filepath.Join(realDest, filepath.FromSlash(l.name))
			parent, err := filepath.EvalSymlinks(filepath.Dir(p))
			if err != nil || !within(realDest, parent) {
				return fail(unsafeEntry(l.name, "is a symbolic link pointing outside the function's directory"))
			}
			resolved, err := filepath.EvalSymlinks(filepath.Join(parent, filepath.Base(p)))
			if err != nil {
				if lexical := filepath.Join(parent, filepath.FromSlash(l.target)); !within(realDest, lexical) {
					return fail(unsafeEntry(l.name, "is a symbolic link pointing outside the function's directory"))
				}
				return fail(unsafeEntry(l.name, "is a symbolic link to "+fmt.Sprintf("%q", l.target)+", which does not exist in the package"))
			}
			if !within(realDest, resolved) {
				return fail(unsafeEntry(l.name, "is a symbolic link pointing outside the function's directory"))
			}
		}
	}
	return nil
}

// entryName turns a zip entry name into a clean slash-separated path relative
// to the destination ("" for the root itself), or refuses it.
func entryName(raw string) (string, error) {
	if strings.ContainsRune(raw, 0) {
		return "", unsafeEntry(raw, "contains a NUL byte")
	}
	n := strings.ReplaceAll(raw, `\`, "/")
	if strings.HasPrefix(n, "/") || (len(n) >= 2 && n[1] == ':') {
		return "", unsafeEntry(raw, "is an absolute path")
	}
	clean := path.Clean(n)
	if clean == "." {
		return "", nil
	}
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", unsafeEntry(raw, "would be written outside the function's directory")
	}
	return clean, nil
}

// extractFile writes one regular file, at most budget bytes of it, and
// returns how many bytes it wrote.
func extractFile(root *os.Root, f *zip.File, name string, budget int64) (int64, error) {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return 0, unsafeEntry(f.Name, "cannot be created: "+pathErr(err))
		}
	}
	perm := os.FileMode(0o644)
	if f.Mode()&0o111 != 0 {
		perm = 0o755
	}
	rc, err := f.Open()
	if err != nil {
		return 0, badZip()
	}
	defer rc.Close()
	out, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return 0, unsafeEntry(f.Name, "cannot be created: "+pathErr(err))
	}
	n, err := io.Copy(out, io.LimitReader(rc, budget+1))
	cerr := out.Close()
	switch {
	case n > budget:
		return n, errOverLimit
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return n, err // writing dest failed
		}
		return n, badZip() // corrupt data or checksum mismatch
	case cerr != nil:
		return n, cerr
	}
	if err := root.Chmod(name, perm); err != nil {
		return n, err
	}
	return n, nil
}

func readSymlinkTarget(f *zip.File) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", badZip()
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxSymlinkTarget+1))
	if err != nil {
		return "", badZip()
	}
	if len(b) > maxSymlinkTarget {
		return "", unsafeEntry(f.Name, "is a symbolic link with a target longer than 4096 bytes")
	}
	return string(b), nil
}

// within reports whether p is dir or inside it (both absolute and clean).
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && filepath.IsLocal(rel)
}

// pathErr is the reason of a file operation error without the path.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	return err.Error()
}

// makeBootstrapExecutable sets the executable bits of dir/bootstrap, which
// provided runtimes execute even when the zip (made on Windows, say) carries
// no Unix mode.
func makeBootstrapExecutable(dir string) {
	p := filepath.Join(dir, "bootstrap")
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	_ = os.Chmod(p, fi.Mode().Perm()|0o111)
}
