package report

import (
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/atlascontract/deferwindow/contract"
	"github.com/atlascontract/deferwindow/internal/safetext"
)

// The SARIF 2.1.0 log written by WriteSARIF: the few objects it uses,
// named as the standard names them (OASIS SARIF 2.1.0, section 3).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool      `json:"tool"`
		Results    []sarifResult  `json:"results"`
		Properties map[string]any `json:"properties,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string                `json:"name"`
		Version        string                `json:"version,omitempty"`
		InformationURI string                `json:"informationUri,omitempty"`
		Rules          []sarifReportingDescr `json:"rules"`
	}
	sarifReportingDescr struct {
		ID                   string             `json:"id"`
		Name                 string             `json:"name,omitempty"`
		ShortDescription     sarifMessage       `json:"shortDescription"`
		HelpURI              string             `json:"helpUri,omitempty"`
		FullDescription      sarifMessage       `json:"fullDescription"`
		Help                 sarifMessage       `json:"help"`
		DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	}
	sarifConfiguration struct {
		Level string `json:"level"`
	}
	sarifMessage struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	sarifResult struct {
		RuleID       string             `json:"ruleId"`
		RuleIndex    int                `json:"ruleIndex"`
		Level        string             `json:"level"`
		Message      sarifMessage       `json:"message"`
		Locations    []sarifLocation    `json:"locations,omitempty"`
		Suppressions []sarifSuppression `json:"suppressions,omitempty"`
		Properties   map[string]any     `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           *sarifRegion          `json:"region,omitempty"`
	}
	sarifArtifactLocation struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifSuppression struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification,omitempty"`
	}
)

// RulesHelpURI is where the rule table is documented.
const RulesHelpURI = "https://" + contract.ModulePath + "/blob/main/docs/rules.md"

// SARIFMaxResults bounds the results of a SARIF log: GitHub code scanning
// refuses a run with more than 25,000. Past it the log says how many were
// left out (run.properties.omittedResults); the other reports have them all.
const SARIFMaxResults = 25000

// SARIFSchemaURI is the schema the SARIF log declares.
const SARIFSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// SARIF writes the report as a SARIF 2.1.0 log, as GitHub code scanning
// and other CI dashboards read it: one reportingDescriptor per rule (help
// text from contract.Rules), one result per finding located on the
// recording's file and the interaction's line, waived findings as results
// with an external suppression carrying the waiver's reason. Findings about
// the whole run (required coverage that is missing, waivers) are located on
// the configuration file when there is one, else on the first recording, so
// code scanning can show them. The run's properties name the spec, its
// SHA-256, the source, the fail threshold and the summary.
//
// It is written with encoding/json: the Go SARIF library served by the
// module proxy (github.com/owenrumney/go-sarif) brings a JSON Schema library
// and two more modules into every importer's module graph, for a dozen
// structs whose output the tests validate against the OASIS schema.
func SARIF(w io.Writer, r *contract.Report) error {
	driver := sarifDriver{Name: r.Tool.Name, Version: r.Tool.Version, InformationURI: "https://" + contract.ModulePath}
	index := map[contract.Rule]int{}
	for i, ri := range contract.Rules() {
		index[ri.Rule] = i
		driver.Rules = append(driver.Rules, sarifReportingDescr{
			ID:                   string(ri.Rule),
			Name:                 string(ri.Rule),
			ShortDescription:     sarifMessage{Text: ri.Checks},
			HelpURI:              RulesHelpURI,
			FullDescription:      sarifMessage{Text: ri.Checks},
			Help:                 sarifMessage{Text: ri.Checks + " Fix: " + ri.Fix, Markdown: "**" + string(ri.Rule) + "**: " + ri.Checks + "\n\n**Fix:** " + ri.Fix},
			DefaultConfiguration: sarifConfiguration{Level: sarifLevel(ri.Severity)},
		})
	}
	runFile := r.Recordings.Config
	if runFile == "" && len(r.Files) > 0 {
		runFile = r.Files[0]
	}
	result := func(f contract.Finding) sarifResult {
		res := sarifResult{RuleID: string(f.Rule), RuleIndex: index[f.Rule], Level: sarifLevel(f.Severity), Message: sarifMessage{Text: safetext.EscapeControl(f.Message)}}
		file, line := f.File, f.Line
		if file == "" {
			file, line = runFile, 0
		}
		if file != "" {
			loc := sarifLocation{PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: sarifURI(file)}}}
			if line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: line}
			}
			res.Locations = []sarifLocation{loc}
		}
		props := map[string]any{}
		if f.Interaction >= 0 {
			props["interaction"] = f.Interaction
		}
		if f.Pointer != "" {
			props["pointer"] = safetext.EscapeControl(f.Pointer)
		}
		if len(props) > 0 {
			res.Properties = props
		}
		return res
	}
	props := map[string]any{
		"spec": escapedSpec(r.Spec), "recordings": escapeRecordings(r.Recordings), "mode": r.Mode, "summary": r.Summary(),
		"failOn": r.FailOn.String(), "unfailingErrors": r.Unfailing(),
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}, Properties: props}
	omitted := 0
	for _, f := range r.Findings {
		if len(run.Results) == SARIFMaxResults {
			omitted++
			continue
		}
		run.Results = append(run.Results, result(f))
	}
	for _, wf := range r.Waived {
		if len(run.Results) == SARIFMaxResults {
			omitted++
			continue
		}
		res := result(wf.Finding)
		res.Suppressions = []sarifSuppression{{Kind: "external", Justification: safetext.EscapeControl(wf.Reason)}}
		run.Results = append(run.Results, res)
	}
	if omitted > 0 {
		props["omittedResults"] = omitted
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: SARIFSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}})
}

func sarifLevel(s contract.Severity) string {
	switch {
	case s >= contract.SeverityError:
		return "error"
	case s == contract.SeverityWarning:
		return "warning"
	}
	return "note"
}

// sarifURI turns a file path into a URI reference: relative paths stay
// relative (to the checkout, as code scanning expects), with forward
// slashes and percent-escapes.
func sarifURI(file string) string {
	file = relToWorkdir(file)
	p := filepath.ToSlash(file)
	if filepath.IsAbs(file) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // C:/x becomes file:///C:/x
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// relToWorkdir returns an absolute path below the working directory
// relative to it (CI tools resolve paths against the checkout, where the
// job runs); any other path as it is.
func relToWorkdir(file string) string {
	if !filepath.IsAbs(file) {
		return file
	}
	wd, err := os.Getwd()
	if err != nil {
		return file
	}
	if r, err := filepath.Rel(wd, file); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return r
	}
	return file
}

// escapedSpec is the run's SpecInfo with its name escaped.
func escapedSpec(s contract.SpecInfo) contract.SpecInfo {
	s.Name = safetext.EscapeControl(s.Name)
	return s
}
