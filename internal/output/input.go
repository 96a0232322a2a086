package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// InputError is the error of CheckNotInput: the output path names the same
// file as one of the command's inputs, which writing it would replace.
type InputError struct {
	Output string // the output path, as given
	Input  string // the input path it is the same file as, as given
}

// Error names both paths and what to do.
func (e *InputError) Error() string {
	if e.Output == e.Input {
		return fmt.Sprintf("output %s is also an input: writing it would replace the input; write the output to another file", e.Output)
	}
	return fmt.Sprintf("output %s is the same file as the input %s: writing it would replace the input; write the output to another file", e.Output, e.Input)
}

// CheckNotInput returns an *InputError when path, an output destination as
// Write takes it, names the same regular file as one of inputs (by
// os.SameFile, so through symbolic links and hard links and whatever the
// spelling), because Write would replace that input with the output.
//
// Call it before reading the inputs. Nothing is refused that Write would
// not replace: "-" (stdout), a path that does not exist yet, and a
// destination that is not a regular file (a FIFO, a device such as
// /dev/stdout, which may well be the same terminal as an input) are
// accepted. An input that is "-" (stdin) or that cannot be examined is
// skipped: reading it reports its own error. An output that cannot be
// examined for another reason than not existing is an error naming it.
func CheckNotInput(path string, inputs []string) error {
	if path == "-" {
		return nil
	}
	out, err := os.Stat(path) // follows links
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named once
		}
		return fmt.Errorf("output %s: %w", path, err)
	case !out.Mode().IsRegular():
		return nil
	}
	for _, input := range inputs {
		if input == "-" {
			continue
		}
		in, err := os.Stat(input)
		if err == nil && os.SameFile(out, in) {
			return &InputError{Output: path, Input: input}
		}
	}
	return nil
}
