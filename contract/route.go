package contract

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// segment is one segment of a path template: a literal, or a parameter
// with the literal text around it in the segment ("{clusterName}",
// "{clusterName}:pinFeatureCompatibilityVersion", "{logName}.gz").
type segment struct {
	literal        string // the whole segment, when param is ""
	param          string
	prefix, suffix string
}

// parseTemplate splits a path template into segments. A segment holds at
// most one parameter.
func parseTemplate(path string) ([]segment, error) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	out := make([]segment, len(parts))
	for i, p := range parts {
		open := strings.IndexByte(p, '{')
		if open < 0 {
			out[i] = segment{literal: p}
			continue
		}
		end := strings.IndexByte(p[open:], '}')
		if end < 0 || strings.ContainsAny(p[open+end+1:], "{}") || strings.ContainsAny(p[:open], "}") {
			return nil, fmt.Errorf("path %s: segment %q is not a parameter with literal text around it", path, p)
		}
		out[i] = segment{prefix: p[:open], param: p[open+1 : open+end], suffix: p[open+end+1:]}
	}
	return out, nil
}

// match tells whether a path segment (escaped, as sent) matches, and the
// parameter's value, still escaped.
func (s segment) match(seg string) (string, bool) {
	if s.param == "" {
		return "", seg == s.literal
	}
	if s.prefix != "" || s.suffix != "" {
		// ":verb" may travel escaped (%3A): compare the literal parts unescaped.
		if strings.IndexByte(seg, '%') >= 0 {
			if u, err := url.PathUnescape(seg); err == nil && strings.HasPrefix(u, s.prefix) && strings.HasSuffix(u, s.suffix) && len(u) > len(s.prefix)+len(s.suffix) {
				return url.PathEscape(u[len(s.prefix) : len(u)-len(s.suffix)]), true
			}
		}
	}
	if len(seg) <= len(s.prefix)+len(s.suffix) || !strings.HasPrefix(seg, s.prefix) || !strings.HasSuffix(seg, s.suffix) {
		return "", false
	}
	return seg[len(s.prefix) : len(seg)-len(s.suffix)], true
}

// router finds an operation by method and path in a trie of path segments.
// A literal segment wins over a parameter, and a parameter with more
// literal text around it wins over one with less, as a server's router
// decides (…/clusters/tenantUpgrade before …/clusters/{clusterName};
// …/{processorName}:startWith before …/{processorName}:start before
// …/{processorName}); when the better branch leads nowhere, the next is
// tried.
type router struct {
	root routeNode
}

type routeNode struct {
	literal map[string]*routeNode
	params  []*paramEdge          // most specific first
	ops     map[string]*Operation // by method
}

type paramEdge struct {
	seg  segment
	node *routeNode
}

// add puts an operation in the trie. Two operations with the same method
// and the same path shape (parameter names aside) conflict: the first one
// added keeps the route, and the error says which lost.
func (r *router) add(o *Operation) error {
	n := &r.root
	for _, s := range o.segments {
		if s.param == "" {
			if n.literal == nil {
				n.literal = map[string]*routeNode{}
			}
			next := n.literal[s.literal]
			if next == nil {
				next = &routeNode{}
				n.literal[s.literal] = next
			}
			n = next
			continue
		}
		i := slices.IndexFunc(n.params, func(e *paramEdge) bool { return e.seg.prefix == s.prefix && e.seg.suffix == s.suffix })
		if i < 0 {
			n.params = append(n.params, &paramEdge{seg: s, node: &routeNode{}})
			slices.SortStableFunc(n.params, func(a, b *paramEdge) int {
				return cmp.Compare(len(b.seg.prefix)+len(b.seg.suffix), len(a.seg.prefix)+len(a.seg.suffix))
			})
			i = slices.IndexFunc(n.params, func(e *paramEdge) bool { return e.seg.prefix == s.prefix && e.seg.suffix == s.suffix })
		}
		n = n.params[i].node
	}
	if n.ops == nil {
		n.ops = map[string]*Operation{}
	}
	if prev := n.ops[o.method]; prev != nil {
		return fmt.Errorf("%s %s (%s) has the shape of %s %s (%s), which routes first", o.method, o.path, o.id, prev.method, prev.path, prev.id)
	}
	n.ops[o.method] = o
	return nil
}

// find returns the node a path leads to that answers method (any method
// when method is ""), and whether one does.
func (r *router) find(method string, segs []string) (*routeNode, bool) {
	n := r.root.find(method, segs)
	return n, n != nil
}

func (n *routeNode) find(method string, segs []string) *routeNode {
	if len(segs) == 0 {
		if (method == "" && len(n.ops) > 0) || n.ops[method] != nil {
			return n
		}
		return nil
	}
	if next := n.literal[segs[0]]; next != nil {
		if found := next.find(method, segs[1:]); found != nil {
			return found
		}
	}
	for _, e := range n.params {
		if _, ok := e.seg.match(segs[0]); ok {
			if found := e.node.find(method, segs[1:]); found != nil {
				return found
			}
		}
	}
	return nil
}

// params reads the path parameters of an operation out of the path
// segments it matched, unescaped.
func (o *Operation) params(segs []string) (map[string]string, bool) {
	out := make(map[string]string, o.nparams)
	for i, s := range o.segments {
		if s.param == "" {
			continue
		}
		u, ok := o.pathParam(segs, i)
		if !ok {
			return nil, false
		}
		out[s.param] = u
	}
	return out, true
}

// Route finds the operation for a request by its method and its escaped
// path below the server URL: the host and scheme never matter, so recordings
// from cloud.mongodb.com, a loopback mock or a proxy route alike. mount is a
// path prefix to strip first (a proxy mount point, e.g. "/atlas"); empty for
// none. It returns the path parameters, unescaped.
func (s *Spec) Route(method, escapedPath, mount string) (*Operation, map[string]string, bool) {
	var buf [32]string
	o, segs, ok := s.route(buf[:0], method, escapedPath, mount)
	if !ok {
		return nil, nil, false
	}
	params, _ := o.params(segs)
	return o, params, true
}

// route is Route with the path's segments (appended to buf) in place of
// the parameters they hold.
func (s *Spec) route(buf []string, method, escapedPath, mount string) (*Operation, []string, bool) {
	segs, ok := s.segments(buf, escapedPath, mount)
	if !ok {
		return nil, nil, false
	}
	n, ok := s.router.find(method, segs)
	if !ok {
		return nil, nil, false
	}
	o := n.ops[method]
	for i, seg := range o.segments {
		if seg.param == "" {
			continue
		}
		if _, ok := o.pathParam(segs, i); !ok {
			return nil, nil, false
		}
	}
	return o, segs, true
}

// pathParam returns the value, unescaped, of the path parameter of the
// operation's segment i in the matched path segments segs.
func (o *Operation) pathParam(segs []string, i int) (string, bool) {
	v, _ := o.segments[i].match(segs[i])
	u, err := url.PathUnescape(v)
	return u, err == nil
}

// HasPath tells whether an escaped path, below mount, is the path of one of
// the spec's operations, whatever the method.
func (s *Spec) HasPath(escapedPath, mount string) bool {
	var buf [32]string
	segs, ok := s.segments(buf[:0], escapedPath, mount)
	if !ok {
		return false
	}
	_, ok = s.router.find("", segs)
	return ok
}

// segments appends the segments of an escaped path below mount and the
// base path to buf.
func (s *Spec) segments(buf []string, escapedPath, mount string) ([]string, bool) {
	path, ok := strings.CutPrefix(escapedPath, strings.TrimSuffix(mount, "/"))
	if ok {
		path, ok = strings.CutPrefix(path, s.basePath)
	}
	if !ok {
		return nil, false
	}
	for seg := range strings.SplitSeq(strings.TrimPrefix(path, "/"), "/") {
		buf = append(buf, seg)
	}
	return buf, true
}

// mountPrefix returns the prefix that, removed from an escaped path that
// does not route, leaves a path of the spec's operations: the hint for
// --mount. ok is false when no prefix does.
func (s *Spec) mountPrefix(escapedPath string) (prefix string, ok bool) {
	for i := 1; i < len(escapedPath); i++ {
		if escapedPath[i] == '/' && s.HasPath(escapedPath[i:], "") {
			return escapedPath[:i], true
		}
	}
	return "", false
}
