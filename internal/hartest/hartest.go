// Package hartest writes large HAR files for the tests and benchmarks that
// measure reading and judging at scale: conforming defer interactions, or
// a mix of recorded interactions of any operation.
package hartest

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/atlascontract/deferwindow/contract/recording"
)

// WriteFile writes a HAR 1.2 file of n defer interactions to path, cycling
// through a 200, a 400 ApiError and an enveloped 429, all conforming to the
// fragment.
func WriteFile(path string, n int) error {
	const url = "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"
	return writeEntries(path, n, func(w *bufio.Writer, i int) {
		query, status, ct, text := "", 200, "", ""
		switch i % 3 {
		case 1:
			status, ct, text = 400, "application/json", `{\"detail\":\"No maintenance is scheduled.\",\"error\":400,\"errorCode\":\"ATLAS_MAINTENANCE_NOT_SCHEDULED\",\"parameters\":[],\"reason\":\"Bad Request\"}`
		case 2:
			query, status, ct, text = "?envelope=true", 200, "application/json", `{\"content\":{\"detail\":\"Slow down.\",\"error\":429,\"errorCode\":\"RATE_LIMITED\",\"parameters\":[\"api/atlas/v2/groups\",55,10,5,60],\"reason\":\"Too Many Requests\"},\"status\":429}`
		}
		_, _ = fmt.Fprintf(w, `{"startedDateTime":"2026-08-10T03:08:01.000Z","time":12.5,"request":{"method":"POST","url":"%s%s","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Accept","value":"application/vnd.atlas.2023-01-01+json"},{"name":"Authorization","value":"Bearer REDACTED"}],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":%d,"statusText":"","httpVersion":"HTTP/2.0","cookies":[],"headers":[{"name":"Content-Type","value":"%s"},{"name":"Ratelimit-Limit","value":"1200"},{"name":"Retry-After","value":"5"}],"content":{"size":%d,"mimeType":"%s","text":"%s"},"redirectURL":"","headersSize":-1,"bodySize":%d},"cache":{},"timings":{"send":0,"wait":12,"receive":0.5}}`,
			url, query, status, ct, len(text), ct, text, len(text))
	})
}

// writeEntries writes a HAR 1.2 file of n entries to path, each written by
// entry.
func writeEntries(path string, n int, entry func(w *bufio.Writer, i int)) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	// bufio.Writer keeps its first error; Flush returns it.
	w := bufio.NewWriterSize(f, 1<<16)
	_, _ = w.WriteString(`{"log":{"version":"1.2","creator":{"name":"bench","version":"1"},"entries":[`)
	for i := range n {
		if i > 0 {
			_, _ = w.WriteString(",")
		}
		entry(w, i)
	}
	_, _ = w.WriteString("]}}\n")
	return w.Flush()
}

// WriteFrom writes a HAR 1.2 file of n entries to path, cycling through
// ins: each entry is the recorded request (method, URL, headers, or the
// marker of headers not recorded) and response (status, headers, body as
// text).
func WriteFrom(path string, ins []*recording.Interaction, n int) error {
	if len(ins) == 0 {
		return errors.New("hartest: no interactions to write")
	}
	type pair struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	pairs := func(h map[string][]string) []pair {
		out := []pair{}
		for name, values := range h {
			for _, v := range values {
				out = append(out, pair{name, v})
			}
		}
		slices.SortFunc(out, func(a, b pair) int { return cmp.Compare(a.Name, b.Name) })
		return out
	}
	entries := make([][]byte, len(ins))
	for i, in := range ins {
		reqHeader := in.Request.Header
		if in.Request.NotRecorded {
			reqHeader = map[string][]string{recording.OmittedHeader: {recording.HeadersNotRecorded}}
		}
		e := map[string]any{
			"startedDateTime": "2026-08-10T03:08:01.000Z", "time": 1, "cache": map[string]any{},
			"timings": map[string]any{"send": 0, "wait": 1, "receive": 0},
			"request": map[string]any{"method": in.Request.Method, "url": in.Request.URL.String(), "httpVersion": "HTTP/1.1",
				"cookies": []any{}, "headers": pairs(reqHeader), "queryString": []any{}, "headersSize": -1, "bodySize": 0},
			"response": map[string]any{"status": in.Response.StatusCode, "statusText": "", "httpVersion": "HTTP/2.0", "cookies": []any{},
				"headers": pairs(in.Response.Header), "redirectURL": "", "headersSize": -1, "bodySize": len(in.Response.Body),
				"content": map[string]any{"size": len(in.Response.Body), "mimeType": "", "text": string(in.Response.Body)}},
		}
		data, err := json.Marshal(e)
		if err != nil {
			return err
		}
		entries[i] = data
	}
	return writeEntries(path, n, func(w *bufio.Writer, i int) { _, _ = w.Write(entries[i%len(entries)]) })
}
