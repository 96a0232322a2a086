// Package hartest writes large HAR files of conforming defer interactions
// for the tests and benchmarks that measure reading at scale.
package hartest

import (
	"bufio"
	"fmt"
	"os"
)

// WriteFile writes a HAR 1.2 file of n defer interactions to path, cycling
// through a 200, a 400 ApiError and an enveloped 429, all conforming to the
// fragment.
func WriteFile(path string, n int) (err error) {
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
	_, _ = fmt.Fprint(w, `{"log":{"version":"1.2","creator":{"name":"bench","version":"1"},"entries":[`)
	const url = "https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer"
	for i := range n {
		if i > 0 {
			_, _ = w.WriteString(",")
		}
		query, status, ct, text := "", 200, "", ""
		switch i % 3 {
		case 1:
			status, ct, text = 400, "application/json", `{\"detail\":\"No maintenance is scheduled.\",\"error\":400,\"errorCode\":\"ATLAS_MAINTENANCE_NOT_SCHEDULED\",\"parameters\":[],\"reason\":\"Bad Request\"}`
		case 2:
			query, status, ct, text = "?envelope=true", 200, "application/json", `{\"content\":{\"detail\":\"Slow down.\",\"error\":429,\"errorCode\":\"RATE_LIMITED\",\"parameters\":[\"api/atlas/v2/groups\",55,10,5,60],\"reason\":\"Too Many Requests\"},\"status\":429}`
		}
		_, _ = fmt.Fprintf(w, `{"startedDateTime":"2026-08-10T03:08:01.000Z","time":12.5,"request":{"method":"POST","url":"%s%s","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Accept","value":"application/vnd.atlas.2023-01-01+json"},{"name":"Authorization","value":"Bearer REDACTED"}],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":%d,"statusText":"","httpVersion":"HTTP/2.0","cookies":[],"headers":[{"name":"Content-Type","value":"%s"},{"name":"Ratelimit-Limit","value":"1200"},{"name":"Retry-After","value":"5"}],"content":{"size":%d,"mimeType":"%s","text":"%s"},"redirectURL":"","headersSize":-1,"bodySize":%d},"cache":{},"timings":{"send":0,"wait":12,"receive":0.5}}`,
			url, query, status, ct, len(text), ct, text, len(text))
	}
	_, _ = w.WriteString("]}}\n")
	return w.Flush()
}
