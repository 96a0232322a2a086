package contract

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CoverageRow says how many interactions of a run exercised one declared
// status of one operation in one envelope mode.
type CoverageRow struct {
	Operation    string `json:"operation"`
	Status       int    `json:"status"`
	Envelope     bool   `json:"envelope"`
	Interactions int    `json:"interactions"`
}

// The envelope modes of a CoverageCell.
const (
	// EitherMode is covered by an interaction in either envelope mode.
	EitherMode = ""
	// EnvelopeMode is covered by an interaction that asked for envelope=true.
	EnvelopeMode = "envelope"
	// PlainMode is covered by an interaction that did not.
	PlainMode = "plain"
	// BothModes is covered when each mode is.
	BothModes = "both"
)

// CoverageCell names declared statuses a run must exercise.
type CoverageCell struct {
	// Operation is an operationId; empty for every operation of the spec.
	Operation string
	// Status is a declared status; 0 for every status the operation declares.
	Status int
	// Envelope is EitherMode, EnvelopeMode, PlainMode or BothModes. For an
	// operation without the envelope parameter every mode is the plain one.
	Envelope string
}

// RequireAll is the cell that requires every declared status of every
// operation in both envelope modes (--require-coverage alone).
var RequireAll = CoverageCell{Envelope: BothModes}

// String writes the cell as ParseCoverageCell reads it.
func (c CoverageCell) String() string {
	s := "all"
	if c.Status != 0 {
		s = strconv.Itoa(c.Status)
	}
	if c.Operation != "" {
		s = c.Operation + ":" + s
	}
	if c.Envelope != EitherMode {
		s += ":" + c.Envelope
	}
	return s
}

// ParseCoverageCell reads a cell: [operationId:]status[:mode], where status
// is a declared status or "all" and mode is envelope, plain or both ("200"
// in either mode; "429:envelope"; "createGroup:201:both"; "all:both").
func ParseCoverageCell(s string) (CoverageCell, error) {
	var c CoverageCell
	parts := strings.Split(strings.TrimSpace(s), ":")
	isMode := func(m string) bool { return m == EnvelopeMode || m == PlainMode || m == BothModes }
	switch {
	case len(parts) == 3 && isMode(parts[2]):
		c.Operation, c.Envelope = parts[0], parts[2]
	case len(parts) == 2 && isMode(parts[1]):
		c.Envelope = parts[1]
	case len(parts) == 2:
		c.Operation = parts[0]
	case len(parts) != 1:
		return CoverageCell{}, fmt.Errorf("coverage cell %q: want [operationId:]status[:envelope|plain|both], such as 429, 429:envelope or createGroup:201", s)
	}
	status := parts[len(parts)-1]
	if c.Envelope != EitherMode {
		status = parts[len(parts)-2]
	}
	if status == "all" {
		return c, nil
	}
	n, err := strconv.Atoi(status)
	if err != nil || n < 100 || n > 599 || (len(parts) > 1 && c.Operation == "" && c.Envelope == EitherMode) {
		return CoverageCell{}, fmt.Errorf("coverage cell %q: want a status 100..599 or all, optionally with an operationId before it and :envelope, :plain or :both after it", s)
	}
	c.Status = n
	return c, nil
}

// ParseCoverageCells parses a comma-separated list of cells.
func ParseCoverageCells(s string) ([]CoverageCell, error) {
	var out []CoverageCell
	for item := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		c, err := ParseCoverageCell(item)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no coverage cells in %q: want statuses such as 200,400,429 or 429:envelope", s)
	}
	return out, nil
}

type coverageKey struct {
	op       *Operation
	status   int
	envelope bool
}

// coverage counts, per operation, declared status and envelope mode, the
// interactions that exercised it.
type coverage struct {
	counts map[coverageKey]int
	ops    map[*Operation]bool // the operations judged at least once
}

func newCoverage() *coverage {
	return &coverage{counts: map[coverageKey]int{}, ops: map[*Operation]bool{}}
}

func (c *coverage) add(j Judgement) {
	if j.Operation == nil {
		return
	}
	c.ops[j.Operation] = true
	if slices.Contains(j.Operation.statuses, j.Status) {
		c.counts[coverageKey{j.Operation, j.Status, j.Enveloped}]++
	}
}

// rows returns one row per declared status and envelope mode (both modes
// when the operation declares the envelope parameter) of each operation
// that was judged or that a cell names, in the spec's operation order: a
// run over a whole API lists what it saw, not thousands of cells.
func (c *coverage) rows(spec *Spec, required []CoverageCell) []CoverageRow {
	var out []CoverageRow
	for _, op := range spec.operations {
		if !c.ops[op] && !slices.ContainsFunc(required, func(cell CoverageCell) bool { return cell.Operation == op.id }) {
			continue
		}
		for _, status := range op.statuses {
			for _, env := range op.modes() {
				out = append(out, CoverageRow{Operation: op.id, Status: status, Envelope: env, Interactions: c.counts[coverageKey{op, status, env}]})
			}
		}
	}
	return out
}

// modes returns the envelope modes an operation can be called in.
func (o *Operation) modes() []bool {
	if o.envelope {
		return []bool{false, true}
	}
	return []bool{false}
}

// missing reports every required cell no interaction exercised: one
// coverage-missing error per operation, status and mode it misses.
func (c *coverage) missing(spec *Spec, required []CoverageCell) []Finding {
	var out []Finding
	info, _ := RuleCoverageMissing.Info()
	for _, op := range spec.operations {
		for _, status := range op.statuses {
			plain, env := c.counts[coverageKey{op, status, false}], c.counts[coverageKey{op, status, true}]
			var miss []string
			for _, cell := range required {
				if (cell.Operation != "" && cell.Operation != op.id) || (cell.Status != 0 && cell.Status != status) {
					continue
				}
				if cell.Envelope == EitherMode && plain+env == 0 {
					miss = append(miss, EitherMode)
				}
				if (cell.Envelope == PlainMode || cell.Envelope == BothModes) && plain == 0 {
					miss = append(miss, PlainMode)
				}
				if (cell.Envelope == EnvelopeMode || cell.Envelope == BothModes) && op.envelope && env == 0 {
					miss = append(miss, EnvelopeMode)
				}
			}
			slices.Sort(miss)
			for _, m := range slices.Compact(miss) {
				out = append(out, Finding{Rule: RuleCoverageMissing, Severity: info.Severity, Interaction: -1,
					Message: msgCoverageMissing.format(op.id, status, modeText(m))})
			}
		}
	}
	return out
}

func modeText(mode string) string {
	switch mode {
	case EnvelopeMode:
		return "with envelope=true"
	case PlainMode:
		return "without envelope"
	}
	return "in either envelope mode"
}

// checkCells makes sure every cell names an operation and a status the
// spec declares (in a mode it declares), so a typo cannot require nothing.
func checkCells(spec *Spec, cells []CoverageCell) error {
	for _, c := range cells {
		var ops []*Operation
		for _, op := range spec.operations {
			if c.Operation == "" || op.id == c.Operation {
				ops = append(ops, op)
			}
		}
		if len(ops) == 0 {
			return fmt.Errorf("coverage cell %s names operation %q, which the spec does not declare", c, c.Operation)
		}
		if c.Status == 0 {
			continue
		}
		var declared []int
		found := false
		for _, op := range ops {
			declared = append(declared, op.statuses...)
			found = found || slices.Contains(op.statuses, c.Status) && (c.Envelope != EnvelopeMode || op.envelope)
		}
		if !found {
			slices.Sort(declared)
			return fmt.Errorf("coverage cell %s is not declared by the spec; declared statuses: %s", c, joinInts(slices.Compact(declared)))
		}
	}
	return nil
}
