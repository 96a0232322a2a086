package recording

import "bytes"

// Marshal returns what Save would write.
func (r *Recorder) Marshal() ([]byte, error) {
	var b bytes.Buffer
	_, err := r.WriteTo(&b)
	return b.Bytes(), err
}

// YAMLNodeBound returns yamlNodeBound's bound on the nodes of data and
// the line where it passed maxNodes (0 if it did not), without a limit on
// values.
func YAMLNodeBound(data []byte, maxNodes int) (nodes, line int) {
	b := yamlNodeBound(data, maxNodes, len(data))
	return b.Nodes, b.NodesLine
}

// DecodeBudgets returns the budgets of decoded bytes opts give, per file
// and per run.
func DecodeBudgets(opts Options) (file, run int64) {
	return opts.maxDecoded(), opts.withRunBudget().run.limit
}
