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
// versioned media types (application/vnd.atlas.YYYY-MM-DD+json, and the
// +csv and +gzip of Atlas's downloads), by format, the formats it has a
// preview in, and the day each retired or retires (x-sunset).
type versions struct {
	dated  map[string][]string // format → sorted dates
	offer  atlaswire.Offer
	sunset map[atlaswire.MediaType]string // → YYYY-MM-DD
}

// add notes the versions of one content map (a response's, a request
// body's).
func (v *versions) add(content openapi3.Content) {
	for mt, media := range content {
		m, ok := atlaswire.ParseMediaType(mt)
		switch {
		case !ok:
			continue
		case m.Version == Preview:
			if !slices.Contains(v.offer.Preview, m.Format) {
				v.offer.Preview = append(v.offer.Preview, m.Format)
				slices.Sort(v.offer.Preview)
			}
		case !slices.Contains(v.dated[m.Format], m.Version):
			if v.dated == nil {
				v.dated = map[string][]string{}
			}
			if _, ok := v.dated[m.Format]; !ok {
				v.offer.Dated = append(v.offer.Dated, m.Format)
				slices.Sort(v.offer.Dated)
			}
			v.dated[m.Format] = append(v.dated[m.Format], m.Version)
			slices.Sort(v.dated[m.Format])
		}
		if media == nil {
			continue
		}
		if day, ok := media.Extensions["x-sunset"].(string); ok {
			if _, err := time.Parse(time.DateOnly, day); err == nil {
				if v.sunset == nil {
					v.sunset = map[atlaswire.MediaType]string{}
				}
				if prev, ok := v.sunset[m]; !ok || day < prev {
					v.sunset[m] = day
				}
			}
		}
	}
}

// versioned tells whether the operation declares versioned media types:
// Atlas then picks its version from the request's Accept.
func (v *versions) versioned() bool { return len(v.offer.Dated) > 0 || len(v.offer.Preview) > 0 }

// mainFormat is the format the operation is named by in a message: json
// when it has it, else its first dated format, else its first preview
// format.
func (v *versions) mainFormat() string {
	switch {
	case slices.Contains(v.offer.Dated, "json") || slices.Contains(v.offer.Preview, "json"):
		return "json"
	case len(v.offer.Dated) > 0:
		return v.offer.Dated[0]
	case len(v.offer.Preview) > 0:
		return v.offer.Preview[0]
	}
	return "json"
}

// mediaTypeVersion returns the version an Atlas media type names, in any
// format.
func mediaTypeVersion(mt string) (string, bool) { return atlaswire.MediaTypeVersion(mt) }

// reach resolves an Accept header as Atlas does: of its entries, the first
// versioned media type the operation offers (atlaswire.Offer.PickAccept,
// the fake's rule too); of that format, the newest version on or before
// the date it names, the preview only when named. It returns the version
// served, or the problem Atlas refuses the request for (406 for a
// missing, unversioned, unoffered, unknown or too early version; 410 for
// a retired one, Problem.Gone), judged at the time at returns, called
// only for a version with a sunset.
func (v *versions) reach(accept string, at func() time.Time) (string, *Problem) {
	asked, named, ok := v.offer.PickAccept(accept)
	switch {
	case strings.TrimSpace(accept) == "":
		f := v.mainFormat()
		latest := atlaswire.MediaType{Version: Preview, Format: f}
		if d := v.dated[f]; len(d) > 0 {
			latest.Version = d[len(d)-1]
		}
		return "", acceptProblem(msgAcceptMissing.format(latest.Version+"+"+latest.Format), false)
	case !ok && named:
		return "", acceptProblem(v.unofferedProblem(accept), false)
	case !ok:
		return "", acceptProblem(msgAcceptUnversioned.format(v.mainFormat()), false)
	case asked.Version == Preview:
		return Preview, nil
	}
	reached := ""
	for _, d := range v.dated[asked.Format] {
		if d <= asked.Version {
			reached = d
		}
	}
	if reached == "" {
		return "", acceptProblem(msgAcceptTooOld.format(asked.Version, v.dated[asked.Format][0]), false)
	}
	if day, ok := v.sunset[atlaswire.MediaType{Version: reached, Format: asked.Format}]; ok && !at().Before(mustDay(day)) {
		return "", acceptProblem(msgAcceptRetired.format(asked.Version, reached, day), true)
	}
	return reached, nil
}

// unofferedProblem says why none of the versioned media types an Accept
// names is one the operation offers, by its first: the preview of an
// operation without one, a date of an operation in preview only, or a
// format the operation is not served in.
func (v *versions) unofferedProblem(accept string) string {
	var first atlaswire.MediaType
	for part := range strings.SplitSeq(accept, ",") {
		if m, ok := atlaswire.ParseMediaType(part); ok {
			first = m
			break
		}
	}
	formats := slices.Concat(v.offer.Dated, v.offer.Preview)
	slices.Sort(formats)
	formats = slices.Compact(formats)
	switch {
	case !slices.Contains(formats, first.Format):
		return msgAcceptFormatUnoffered.format(first.String(), strings.Join(formats, ", "))
	case first.Version == Preview:
		return msgAcceptNoPreview.format()
	default:
		return msgAcceptPreviewOnly.format(first.Version, atlaswire.MediaType{Version: Preview, Format: first.Format})
	}
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
// the version's media type; nil when none is declared. Its callers judge
// a body that has no Content-Type of its own (an enveloped one, which is
// JSON; an empty one), so where the version is declared in several
// formats (getOrgInvoice's +csv and +json) the JSON one is picked.
func (info *responseInfo) mediaFor(version string) (*openapi3.MediaType, string) {
	if version == "" {
		return nil, ""
	}
	found := ""
	for _, mt := range info.types {
		if m, ok := atlaswire.ParseMediaType(mt); ok && m.Version == version {
			if m.Format == "json" {
				return info.response.Content[mt], mt
			}
			if found == "" {
				found = mt
			}
		}
	}
	if found == "" {
		return nil, ""
	}
	return info.response.Content[found], found
}
