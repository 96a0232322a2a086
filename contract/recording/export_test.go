package recording

import "os"

// SaveWith is Save with the write and rename steps replaced, so tests can
// make them fail.
func (r *Recorder) SaveWith(path string, write func(*os.File, []byte) error, rename func(string, string) error) error {
	ops := osFiles
	if write != nil {
		ops.write = write
	}
	if rename != nil {
		ops.rename = rename
	}
	return r.save(path, ops)
}

// Marshal returns what Save would write.
func (r *Recorder) Marshal() ([]byte, error) { return r.marshal() }
