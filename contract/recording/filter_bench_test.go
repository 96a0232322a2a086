package recording

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

func BenchmarkFilterParts(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"log":{"version":"1.2","entries":[`)
	for i := range 20000 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"startedDateTime":"2026-08-10T03:08:01.000Z","time":12.5,"request":{"method":"POST","url":"https://cloud.mongodb.com/api/atlas/v2/groups/6a7940722c88faeba59bf917/maintenanceWindow/defer","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Accept","value":"application/vnd.atlas.2023-01-01+json"},{"name":"Authorization","value":"Bearer REDACTED"}],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":400,"statusText":"","httpVersion":"HTTP/2.0","cookies":[],"headers":[{"name":"Content-Type","value":"application/json"},{"name":"Ratelimit-Limit","value":"1200"},{"name":"Retry-After","value":"5"}],"content":{"size":10,"mimeType":"application/json","text":"{\"detail\":\"No maintenance is scheduled.\",\"error\":400,\"errorCode\":\"ATLAS_MAINTENANCE_NOT_SCHEDULED\",\"parameters\":[],\"reason\":\"Bad Request\"}"},"redirectURL":"","headersSize":-1,"bodySize":10},"cache":{},"timings":{"send":0,"wait":12,"receive":0.5}}`)
	}
	sb.WriteString("]}}")
	data := []byte(sb.String())
	b.Run("filter", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			_, _ = io.Copy(io.Discard, newHARFilter(bytes.NewReader(data), Options{}, 1))
		}
	})
	b.Run("skip", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			_ = jsontext.NewDecoder(bytes.NewReader(data)).SkipValue()
		}
	})
	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			_ = Read("x.har", bytes.NewReader(data), Options{}, nil)
		}
	})
}
