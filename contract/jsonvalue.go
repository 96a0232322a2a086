package contract

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// decodeJSON decodes a body into what encoding/json's Unmarshal gives an
// any (map[string]any, []any, string, float64, bool or nil), with the same
// value or the same error, in one pass over the tokens jsontext reads, where
// encoding/json scans the whole body before it decodes it (half the CPU on
// Atlas's bodies). Whatever jsontext refuses (invalid UTF-8, a number out of
// float64's range, too deep a nesting, any syntax error) is decoded again by
// encoding/json, whose value and error are the verdict.
func decodeJSON(body []byte) (any, error) {
	d := bodyDecoders.Get().(*bodyDecoder)
	d.buf = *bytes.NewBuffer(body)
	d.dec.Reset(&d.buf, jsontext.AllowDuplicateNames(true)) // the last wins, as in encoding/json
	v, err := d.value()
	switch err {
	case nil:
		_, err = d.dec.ReadToken() // io.EOF after the one value, and only then
		err = cmp.Or(err, errSlowPath)
	case io.EOF:
		err = errSlowPath // no value
	}
	d.buf = bytes.Buffer{}
	d.dec.Reset(&d.buf) // a pooled decoder holds no body
	bodyDecoders.Put(d)
	if err == io.EOF {
		return v, nil
	}
	var slow any
	err = json.Unmarshal(body, &slow)
	return slow, err
}

// bodyDecoder is a decoder and the buffer it reads a body from (jsontext
// reads a bytes.Buffer's bytes in place), with the member names it has
// read: a schema's few property names recur in every body.
type bodyDecoder struct {
	dec   jsontext.Decoder
	buf   bytes.Buffer
	names map[string]string
}

// The member names a bodyDecoder keeps: at most maxNames, of at most
// maxNameLen bytes.
const maxNames, maxNameLen = 4096, 64

var bodyDecoders = sync.Pool{New: func() any { return new(bodyDecoder) }}

// errSlowPath sends a body to encoding/json.
var errSlowPath = errors.New("contract: left to encoding/json")

// value decodes the next value, or returns an error when jsontext cannot
// read it or reads it otherwise than encoding/json would.
func (d *bodyDecoder) value() (any, error) {
	dec := &d.dec
	switch dec.PeekKind() {
	case '{':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		obj := map[string]any{}
		for dec.PeekKind() == '"' {
			name, err := d.name()
			if err != nil {
				return nil, err
			}
			if obj[name], err = d.value(); err != nil {
				return nil, err
			}
		}
		_, err := dec.ReadToken() // '}', or the error
		return obj, err
	case '[':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		arr := []any{}
		for k := dec.PeekKind(); k != ']' && k != 0; k = dec.PeekKind() {
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.ReadToken() // ']', or the error
		return arr, err
	case '"':
		return unquote(dec.ReadValue())
	case '0':
		raw, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return nil, errSlowPath // out of range: encoding/json says how
		}
		return f, nil
	case 't', 'f':
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		return tok.Bool(), nil
	case 'n':
		_, err := dec.ReadToken()
		return nil, err
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	return nil, errSlowPath
}

// name decodes a member name, the one it keeps if it has read it before.
func (d *bodyDecoder) name() (string, error) {
	raw, err := d.dec.ReadValue()
	if err != nil || bytes.IndexByte(raw, '\\') >= 0 {
		return unquote(raw, err)
	}
	if name, ok := d.names[string(raw[1:len(raw)-1])]; ok {
		return name, nil
	}
	name := string(raw[1 : len(raw)-1])
	if len(name) <= maxNameLen && len(d.names) < maxNames {
		if d.names == nil {
			d.names = map[string]string{}
		}
		d.names[name] = name
	}
	return name, nil
}

// unquote returns the string a JSON string value holds.
func unquote(raw jsontext.Value, err error) (string, error) {
	if err != nil {
		return "", err
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	return string(b), err
}
