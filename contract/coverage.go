package contract

import (
	"fmt"
	"slices"
)

// CoverageRow says how many interactions of a run exercised one declared
// status of one operation in one envelope mode.
type CoverageRow struct {
	Operation    string `json:"operation"`
	Status       int    `json:"status"`
	Envelope     bool   `json:"envelope"`
	Interactions int    `json:"interactions"`
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
}

func newCoverage() *coverage { return &coverage{counts: map[coverageKey]int{}} }

func (c *coverage) add(j Judgement) {
	if j.Operation == nil || !slices.Contains(j.Operation.statuses, j.Status) {
		return
	}
	c.counts[coverageKey{j.Operation, j.Status, j.Enveloped}]++
}

// rows returns one row per operation, declared status and envelope mode
// (both modes when the operation declares the envelope parameter), in
// operation, status, mode order.
func (c *coverage) rows(spec *Spec) []CoverageRow {
	var out []CoverageRow
	for _, op := range spec.operations {
		modes := []bool{false}
		if op.envelope {
			modes = append(modes, true)
		}
		for _, status := range op.statuses {
			for _, env := range modes {
				out = append(out, CoverageRow{Operation: op.id, Status: status, Envelope: env, Interactions: c.counts[coverageKey{op, status, env}]})
			}
		}
	}
	return out
}

// coverageFindings reports every row no interaction exercised: an error
// when required is true or one of cells covers the row, else a warning.
func coverageFindings(rows []CoverageRow, required bool, cells []CoverageCell) []Finding {
	var out []Finding
	for _, r := range rows {
		if r.Interactions > 0 {
			continue
		}
		sev := SeverityWarning
		if required || slices.ContainsFunc(cells, func(c CoverageCell) bool { return c.covers(r) }) {
			sev = SeverityError
		}
		mode := "without envelope"
		if r.Envelope {
			mode = "with envelope=true"
		}
		out = append(out, Finding{
			Rule: RuleCoverageMissing, Severity: sev, Interaction: -1,
			Message: fmt.Sprintf("no interaction exercises %s status %d %s", r.Operation, r.Status, mode),
		})
	}
	return out
}
