package contract

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlascontract/deferwindow/internal/atlaswire"
)

// Preview is the version of Atlas's preview media type,
// application/vnd.atlas.preview+json: served only to a request that asks
// for it by name.
const Preview = atlaswire.Preview

// versions are the versions an operation serves: the dates of its
// versioned media types (application/vnd.atlas.YYYY-MM-DD+json), the
// preview, and the day each retired or retires (x-sunset).
type versions struct {
	dated   []string // sorted
	preview bool
	sunset  map[string]string // version → YYYY-MM-DD
}

// add notes the versions of one content map (a response's, a request
// body's).
func (v *versions) add(content openapi3.Content) {
	for mt, media := range content {
		ver, ok := mediaTypeVersion(mt)
		switch {
		case !ok:
			continue
		case ver == Preview:
			v.preview = true
		case !slices.Contains(v.dated, ver):
			v.dated = append(v.dated, ver)
			slices.Sort(v.dated)
		}
		if media == nil {
			continue
		}
		if day, ok := media.Extensions["x-sunset"].(string); ok {
			if _, err := time.Parse(time.DateOnly, day); err == nil {
				if v.sunset == nil {
					v.sunset = map[string]string{}
				}
				if prev, ok := v.sunset[ver]; !ok || day < prev {
					v.sunset[ver] = day
				}
			}
		}
	}
}

// versioned tells whether the operation declares versioned media types:
// Atlas then picks its version from the request's Accept.
func (v *versions) versioned() bool { return len(v.dated) > 0 || v.preview }

// mediaTypeVersion returns the version an Atlas media type names.
func mediaTypeVersion(mt string) (string, bool) { return atlaswire.MediaTypeVersion(mt) }

// acceptVersion returns the version the first Atlas media type of an
// Accept header names.
func acceptVersion(accept string) (string, bool) {
	for part := range strings.SplitSeq(accept, ",") {
		if v, ok := mediaTypeVersion(part); ok {
			return v, true
		}
	}
	return "", false
}

// reach resolves an Accept header as Atlas does: the newest version on or
// before the date it names, the preview only when named. It returns the
// version served, or the problem Atlas refuses the request for (406 for a
// missing, unversioned, unknown or too early version; 410 for a retired
// one, Problem.Gone), judged at the time at returns, called only for a
// version with a sunset.
func (v *versions) reach(accept string, at func() time.Time) (string, *Problem) {
	date, ok := acceptVersion(accept)
	switch {
	case strings.TrimSpace(accept) == "":
		latest := Preview
		if n := len(v.dated); n > 0 {
			latest = v.dated[n-1]
		}
		return "", acceptProblem(msgAcceptMissing.format(latest), false)
	case !ok:
		return "", acceptProblem(msgAcceptUnversioned.format(), false)
	case date == Preview && !v.preview:
		return "", acceptProblem(msgAcceptNoPreview.format(), false)
	case date == Preview:
		return Preview, nil
	}
	reached := ""
	for _, d := range v.dated {
		if d <= date {
			reached = d
		}
	}
	if reached == "" {
		if len(v.dated) == 0 {
			return "", acceptProblem(msgAcceptPreviewOnly.format(date), false)
		}
		return "", acceptProblem(msgAcceptTooOld.format(date, v.dated[0]), false)
	}
	if day, ok := v.sunset[reached]; ok && !at().Before(mustDay(day)) {
		return "", acceptProblem(msgAcceptRetired.format(date, reached, day), true)
	}
	return reached, nil
}

// acceptProblem is a problem of the Accept header.
func acceptProblem(reason string, gone bool) *Problem {
	return &Problem{In: InHeader, Name: "Accept", Reason: reason, Gone: gone}
}

func mustDay(day string) time.Time {
	t, _ := time.Parse(time.DateOnly, day)
	return t
}

// servedVersion is the version a response says it is: its Content-Type's,
// or, for a body Atlas sends without one (the empty 200), X-Content-Type's.
func servedVersion(h http.Header) (string, bool) {
	if ct := h.Get("Content-Type"); ct != "" {
		return mediaTypeVersion(ct)
	}
	return mediaTypeVersion(h.Get("X-Content-Type"))
}

// recordedAt is when a response was given: its Date header, else now.
func recordedAt(h http.Header) time.Time {
	if d := h.Get("Date"); d != "" {
		if t, ok := parseHTTPDate(d); ok {
			return t
		}
	}
	return time.Now()
}

// parseHTTPDate reads an HTTP date as net/http does, and also with a day
// of one digit, as Atlas writes its Sunset and Deprecation dates
// ("Thu, 1 Jul 2027 00:00:00 GMT").
func parseHTTPDate(v string) (time.Time, bool) {
	t, err := http.ParseTime(v)
	if err != nil {
		t, err = time.Parse("Mon, 2 Jan 2006 15:04:05 GMT", v)
	}
	return t, err == nil
}

// deprecation reads the Deprecation (RFC 9745: "@" and a Unix time; older
// drafts: an HTTP date or "true") and Sunset (RFC 8594: an HTTP date;
// parseHTTPDate says which) headers of a response, as days ("" when absent or unreadable).
func deprecation(h http.Header) (deprecated, sunset string, ok bool) {
	day := func(v string) string {
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, "@") {
			var secs int64
			for _, c := range v[1:] {
				if c < '0' || c > '9' {
					return ""
				}
				secs = secs*10 + int64(c-'0')
			}
			return time.Unix(secs, 0).UTC().Format(time.DateOnly)
		}
		if t, ok := parseHTTPDate(v); ok {
			return t.UTC().Format(time.DateOnly)
		}
		return ""
	}
	dep, sun := h.Get("Deprecation"), h.Get("Sunset")
	if dep == "" && sun == "" {
		return "", "", false
	}
	return day(dep), day(sun), true
}

// mediaFor picks the declared media type of a response for a version, by
// the version's media type; nil when none is declared.
func (info *responseInfo) mediaFor(version string) (*openapi3.MediaType, string) {
	if version == "" {
		return nil, ""
	}
	for _, mt := range info.types {
		if v, ok := mediaTypeVersion(mt); ok && v == version {
			return info.response.Content[mt], mt
		}
	}
	return nil, ""
}
