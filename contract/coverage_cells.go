package contract

import (
	"fmt"
	"strconv"
	"strings"
)

// CoverageCell names declared statuses a run must exercise: one status in
// one envelope mode, or in both.
type CoverageCell struct {
	Status int
	// Envelope is "" for both modes, "envelope" for envelope=true only, or
	// "plain" for requests without envelope=true only.
	Envelope string
}

// String writes the cell as ParseCoverageCells reads it.
func (c CoverageCell) String() string {
	if c.Envelope == "" {
		return strconv.Itoa(c.Status)
	}
	return strconv.Itoa(c.Status) + ":" + c.Envelope
}

func (c CoverageCell) covers(r CoverageRow) bool {
	if c.Status != r.Status {
		return false
	}
	switch c.Envelope {
	case "envelope":
		return r.Envelope
	case "plain":
		return !r.Envelope
	}
	return true
}

// ParseCoverageCells parses a comma-separated list of cells: "200,400,429"
// (each status in both envelope modes), "429:envelope" or "429:plain" (one
// mode).
func ParseCoverageCells(s string) ([]CoverageCell, error) {
	var out []CoverageCell
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		c, err := parseCoverageCell(item)
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

func parseCoverageCell(item string) (CoverageCell, error) {
	status, mode, _ := strings.Cut(item, ":")
	n, err := strconv.Atoi(status)
	if err != nil || n < 100 || n > 599 {
		return CoverageCell{}, fmt.Errorf("coverage cell %q: want a status 100..599, optionally with :envelope or :plain", item)
	}
	switch mode {
	case "", "envelope", "plain":
	default:
		return CoverageCell{}, fmt.Errorf("coverage cell %q: the mode is envelope or plain, not %q", item, mode)
	}
	return CoverageCell{Status: n, Envelope: mode}, nil
}

// checkCells makes sure every cell names a status the spec declares (in a
// mode it declares), so a typo cannot require nothing.
func checkCells(spec *Spec, cells []CoverageCell) error {
	rows := newCoverage().rows(spec)
	for _, c := range cells {
		found := false
		for _, r := range rows {
			if c.covers(r) {
				found = true
				break
			}
		}
		if !found {
			var declared []int
			for _, op := range spec.operations {
				declared = append(declared, op.statuses...)
			}
			return fmt.Errorf("coverage cell %s is not declared by the fragment; declared statuses: %s", c, joinInts(declared))
		}
	}
	return nil
}
