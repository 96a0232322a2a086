package contract

import "strings"

// Where a request problem is: a parameter's location as OpenAPI names it,
// or the body.
const (
	InPath   = "path"
	InQuery  = "query"
	InHeader = "header"
	InCookie = "cookie"
	InBody   = "body"
)

// Problem is one way a recorded request breaks the spec, as data: where it
// is, what it names and why. Servers choose their answer from In and Name
// (a malformed groupId gets 404 INVALID_GROUP_ID, a bad Accept 406), never
// from Reason, which is for people.
type Problem struct {
	// In is InPath, InQuery, InHeader, InCookie or InBody.
	In string
	// Name is the parameter or header the problem is about ("groupId",
	// "envelope", "Accept"); empty for the body.
	Name string
	// Reason says what is wrong, never quoting the value.
	Reason string
	// Gone is true for an Accept that reaches a retired version: Atlas
	// answers 410 VERSION_GONE, where it answers other Accept problems 406.
	Gone bool
}

// String writes the problem for people: "path parameter groupId: reason".
func (p Problem) String() string {
	switch p.In {
	case InBody:
		return msgProblemBody.format(p.Reason)
	case InHeader:
		return msgProblemHeader.format(p.Name, p.Reason)
	}
	return msgProblemParameter.format(p.In, p.Name, p.Reason)
}

// Is tells whether the problem is about the named parameter or header at
// in (header names compare without case).
func (p Problem) Is(in, name string) bool {
	if p.In != in {
		return false
	}
	if in == InHeader {
		return strings.EqualFold(p.Name, name)
	}
	return p.Name == name
}
