package openapi

import (
	"errors"
	"strings"
	"testing"
)

// olderRevision is a spec of another revision than the errata's: it has
// createUser answering 200, which an erratum turns into a 201 whose
// headers refer to rate limit components this revision does not define.
const olderRevision = `openapi: 3.0.1
info: {title: Older, version: "2.0", x-xgen-sha: 0123abc}
paths:
  /api/atlas/v2/users:
    post:
      operationId: createUser
      responses:
        "200":
          description: OK
`

// TestErrataOnAnotherRevision: an erratum that refers to what this
// revision lacks fails the load with ErrErrataMismatch, which names the
// revision; without the errata the document loads.
func TestErrataOnAnotherRevision(t *testing.T) {
	t.Parallel()
	_, _, _, err := LoadPublished([]byte(olderRevision), "older.yaml", true)
	if !errors.Is(err, ErrErrataMismatch) {
		t.Fatalf("got %v, want ErrErrataMismatch", err)
	}
	if want := "x-xgen-sha 0123abc"; !strings.Contains(err.Error(), want) {
		t.Errorf("%v does not name the revision (%s)", err, want)
	}
	if _, _, _, err := LoadPublished([]byte(olderRevision), "older.yaml", false); err != nil {
		t.Fatalf("without the errata: %v", err)
	}
}

// TestBrokenReferenceIsTheDocuments: a reference broken in the document
// itself is the document's error, not ErrErrataMismatch, whose way out
// (loading without the errata) would fail the same way.
func TestBrokenReferenceIsTheDocuments(t *testing.T) {
	t.Parallel()
	broken := strings.Replace(olderRevision, `          description: OK
`, `          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Nope'}
`, 1)
	_, _, _, err := LoadPublished([]byte(broken), "broken.yaml", true)
	if err == nil || errors.Is(err, ErrErrataMismatch) || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("got %v, want the document's own broken reference", err)
	}
}
