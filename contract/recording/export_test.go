package recording

import "bytes"

// Marshal returns what Save would write.
func (r *Recorder) Marshal() ([]byte, error) {
	var b bytes.Buffer
	_, err := r.WriteTo(&b)
	return b.Bytes(), err
}

// DecodeBudgets returns the budgets of decoded bytes opts give, per file
// and per run.
func DecodeBudgets(opts Options) (file, run int64) {
	return opts.maxDecoded(), opts.withRunBudget().run.limit
}
