package recording

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// isRecordingName reports whether a file name has one of the extensions Walk
// and WalkFS read in folders: .yaml, .yml, .har or .json.
func isRecordingName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".har", ".json":
		return true
	}
	return false
}

// Walk reads every recording under paths, in order, with [Read]. A path may
// be a file (read whatever its name) or a folder. Folders are walked
// recursively in lexical order, following symbolic links (each real folder is
// visited once, so a link loop ends), reading only *.yaml, *.yml, *.har and
// *.json files and skipping names that start with "." (such as .git). A
// file named as Playwright names the bodies it keeps beside a HAR (40
// hexadecimal digits, a dot and an extension: <sha1>.json) is a body, not a
// recording, when a HAR of its folder names it in content._file or
// postData._file; such files are left to the end of the walk, and one that
// no HAR names is then read like any other (so a stray one is still an
// error if it is not a recording). A folder with no recordings is an error. The files share one budget of
// decoded bytes, Options.MaxRunDecodedBytes. Walk stops at the first error: an
// input problem is an [*Error]; an error from fn is returned unchanged.
func Walk(paths []string, opts Options, fn func(*Interaction) error) error {
	if len(paths) == 0 {
		return fileError("", 0, "no recording files or folders given", nil)
	}
	opts = opts.withRunBudget()
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return fileError(p, 0, "cannot open: "+errText(err), err)
		}
		if !fi.IsDir() {
			if err := ReadFile(p, opts, fn); err != nil {
				return err
			}
			continue
		}
		w := &walker{opts: opts, fn: fn, visited: map[string]bool{}, attached: map[string]bool{}}
		if err := w.dir(p); err != nil {
			return err
		}
		for _, a := range w.later { // the attachments no HAR named
			if !w.attached[a] {
				w.files++
				if err := ReadFile(a, w.opts, w.fn); err != nil {
					return err
				}
			}
		}
		if w.files == 0 {
			return fileError(p, 0, "no recordings in this folder: expected *.yaml, *.yml, *.har or *.json files", nil)
		}
	}
	return nil
}

type walker struct {
	opts     Options
	fn       func(*Interaction) error
	visited  map[string]bool // real paths of the folders seen
	folders  bool            // only the folders are walked: nothing is read
	files    int
	later    []string        // files named as Playwright names attachments, read last
	attached map[string]bool // the files a HAR named in _file
}

// isAttachmentName reports whether a file name has the form Playwright gives
// the bodies it keeps beside a HAR: 40 hexadecimal digits (the body's
// SHA-1), a dot and an extension, such as
// 2369470fcb4f89393ebfe7bcd418775025f04949.json.
func isAttachmentName(name string) bool {
	hex, ext, ok := strings.Cut(name, ".")
	if !ok || len(hex) != 40 || ext == "" {
		return false
	}
	for _, c := range []byte(hex) {
		if ('0' > c || c > '9') && ('a' > c || c > 'f') {
			return false
		}
	}
	return true
}

func (w *walker) dir(dir string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fileError(dir, 0, "cannot resolve: "+errText(err), err)
	}
	if w.visited[real] {
		return nil
	}
	w.visited[real] = true
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return fileError(dir, 0, "cannot list: "+errText(err), err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(p)
			switch {
			case err == nil:
				isDir = fi.IsDir()
			case isRecordingName(name):
				return fileError(p, 0, "cannot open: "+errText(err), err)
			default:
				continue // a dangling link that is not a recording
			}
		}
		if isDir {
			if err := w.dir(p); err != nil {
				return err
			}
			continue
		}
		switch {
		case !isRecordingName(name):
			continue
		case isAttachmentName(name):
			w.later = append(w.later, p)
			continue
		}
		w.files++
		if w.folders {
			continue
		}
		opts := w.opts
		opts.onAttachment = func(a string) { w.attached[filepath.Join(dir, a)] = true }
		if err := ReadFile(p, opts, w.fn); err != nil {
			return err
		}
	}
	return nil
}

// Reads reports whether [Walk] of paths would read a file at path, were
// one there: path is one of paths, or a name Walk reads in folders (*.yaml,
// *.yml, *.har, *.json, not starting with ".") in one of the folders it walks
// (symbolic links followed, as Walk follows them). A tool that writes into a
// folder of recordings uses it to keep its output from being read as one,
// or replacing one. A folder it cannot walk counts as not reading path.
func Reads(paths []string, path string) bool {
	real := func(p string) string {
		abs, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return r
		}
		return abs
	}
	// A link at path is written through (the output rule replaces its
	// target), so its target is what lands: followed, as far as it goes,
	// also to a target not there yet.
	for range 40 {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			break
		}
		dest, err := os.Readlink(path)
		if err != nil {
			break
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	dir, name := real(filepath.Dir(path)), filepath.Base(path)
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			continue
		case !fi.IsDir():
			if real(p) == filepath.Join(dir, name) {
				return true
			}
			continue
		}
		if strings.HasPrefix(name, ".") || !isRecordingName(name) {
			continue
		}
		w := &walker{visited: map[string]bool{}, folders: true}
		abs, err := filepath.Abs(p) // visited holds the real paths of what it walks: absolute, as dir
		if err == nil && w.dir(abs) == nil && w.visited[dir] {
			return true
		}
	}
	return false
}

// WalkFS is [Walk] over an fs.FS (for example recordings that a go:embed
// directive embeds): root may name a file or a folder; names in errors and
// in Interaction.File are the names inside fsys. Symbolic links are not
// followed. The bodies a HAR keeps in files beside it are left out of the
// walk as in Walk, but not read: an fs.FS HAR's _file bodies stay
// BodyNotRecorded.
func WalkFS(fsys fs.FS, root string, opts Options, fn func(*Interaction) error) error {
	if fn == nil {
		fn = func(*Interaction) error { return nil }
	}
	opts = opts.withRunBudget()
	fi, err := fs.Stat(fsys, root)
	if err != nil {
		return fileError(root, 0, "cannot open: "+fsErrText(err), err)
	}
	if !fi.IsDir() {
		return readFS(fsys, root, opts, fn)
	}
	files, attached := 0, map[string]bool{}
	var later []string // files named as Playwright names attachments, read last
	err = fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fileError(p, 0, "cannot list: "+fsErrText(err), err)
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isRecordingName(d.Name()) {
			return nil
		}
		if isAttachmentName(d.Name()) {
			later = append(later, p)
			return nil
		}
		files++
		o := opts
		o.onAttachment = func(a string) { attached[path.Join(path.Dir(p), a)] = true }
		return readFS(fsys, p, o, fn)
	})
	for _, a := range later {
		if err == nil && !attached[a] {
			files++
			err = readFS(fsys, a, opts, fn)
		}
	}
	if err != nil {
		return err
	}
	if files == 0 {
		return fileError(root, 0, "no recordings in this folder: expected *.yaml, *.yml, *.har or *.json files", nil)
	}
	return nil
}

func readFS(fsys fs.FS, name string, opts Options, fn func(*Interaction) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fileError(name, 0, "cannot open: "+fsErrText(err), err)
	}
	defer func() { _ = f.Close() }() // opened for reading: nothing to lose on close
	return Read(name, f, opts, fn)
}

// fsErrText is errText for fs.FS errors, whose paths are FS names.
func fsErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// ReadAll returns every interaction Walk delivers for paths, in order. It
// holds them all: for a long run, prefer Walk.
func ReadAll(paths []string, opts Options) ([]*Interaction, error) {
	var all []*Interaction
	err := Walk(paths, opts, func(in *Interaction) error { all = append(all, in); return nil })
	return all, err
}

// ReadAllFS returns every interaction WalkFS delivers for root in fsys, in
// order. It holds them all: for a long run, prefer WalkFS.
func ReadAllFS(fsys fs.FS, root string, opts Options) ([]*Interaction, error) {
	var all []*Interaction
	err := WalkFS(fsys, root, opts, func(in *Interaction) error { all = append(all, in); return nil })
	return all, err
}
