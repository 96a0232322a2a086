// Package recording reads recorded HTTP exchanges into one model, and records
// new ones without ever writing a secret.
//
// Two recording formats are read: go-vcr v4 cassettes (YAML, format version 2)
// and HAR 1.2 files (JSON, as exported by browsers, mitmproxy, Charles, Postman
// or Insomnia). Both become a sequence of [Interaction] values, delivered one at
// a time to a callback by [Read], [ReadFile], [Walk] and [WalkFS]. Every
// problem with the input is an [*Error] that names the file, the line when it
// is known, and what was expected.
//
// A cassette may hold a request without its headers (converted from a
// snapshot that keeps only the response, as the Atlas CLI's public test
// snapshots do): a request header X-Recording-Omitted ([OmittedHeader]) with
// a value that starts with [HeadersNotRecorded] marks it, and the reader
// delivers it with [Request.NotRecorded] set and that header removed, so
// rules about the request's headers can leave it unjudged.
//
// Bodies are read with a size cap ([Options.MaxBodyBytes]). A body over the cap
// does not fail reading: its interaction is delivered with BodyTooLarge set, so
// the caller can report it. HAR files are streamed entry by entry (each entry
// is decoded on its own into small structs), so their size is not limited; a
// cassette is YAML, which the YAML library parses whole into a tree before
// any interaction is read, so a cassette is refused before parsing when it is
// larger than [MaxCassetteBytes] (64 MiB, whatever the body cap), holds more
// than [MaxCassetteNodes] YAML nodes or a value longer than
// [MaxCassetteValueBytes] (counted by a scan that builds nothing), or has a
// shape no cassette has (a mapping of more than 1,000 keys, nesting deeper
// than 100 levels): reading any cassette takes less than 400 MB. What
// reading creates beyond the input (bodies inflated from gzip or deflate,
// values repeated by YAML aliases) is bounded per file
// ([Options.MaxDecodedBytes]) and per Walk ([Options.MaxRunDecodedBytes]),
// so a small file cannot take memory out of proportion to its size.
//
// [Recorder] is an [net/http.RoundTripper] that records every exchange it
// forwards with go-vcr v4's own recorder and saves them as a go-vcr v4
// cassette, which go-vcr replays. Credentials, cookies, OAuth tokens and
// Digest nonces are replaced by [Redacted] in a go-vcr AfterCaptureHook,
// which runs before go-vcr keeps the exchange in memory, so they can never
// reach the file; [RecorderOptions.Hooks] adds hooks of the caller's, which
// see only redacted exchanges. The recorder holds at most
// [RecorderOptions.MaxBodyBytes] of each body; a larger one is streamed to
// its reader unchanged and recorded as omitted.
package recording
