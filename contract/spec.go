package contract

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/atlascontract/deferwindow/internal/oaschema"
	"github.com/atlascontract/deferwindow/openapi"
)

// Spec is a loaded fragment with its operations compiled for routing. It
// exports no field: once loaded it does not change, and it is safe for
// concurrent use.
type Spec struct {
	doc *openapi3.T
	// basePath is the path of the first server URL ("" for
	// https://cloud.mongodb.com): operations are matched below it.
	basePath   string
	operations []*Operation
	router     router
	// warnings say what loading resolved on its own (two operations with
	// one path shape).
	warnings []string
	// schemas compiles the response schemas the checks judge bodies and
	// headers by.
	schemas *oaschema.Schemas
	// tokenPaths are the paths of the OAuth 2.0 token endpoints the
	// security schemes declare (Atlas: /api/oauth/token).
	tokenPaths []string
	// info identifies the bytes the spec was loaded from.
	info SpecInfo
}

// Operation is one operation of the spec, ready to match requests. It does
// not change once its Spec is loaded.
type Operation struct {
	method   string
	path     string // the path template, e.g. /api/atlas/v2/groups/{groupId}/maintenanceWindow/defer
	id       string
	route    *routers.Route
	segments []segment
	nparams  int   // path parameters
	statuses []int // declared statuses, sorted
	// versions are the versions the operation serves.
	versions versions
	// envelope is true when the operation declares the envelope query parameter.
	envelope bool
	// headerParams are the names of the header parameters it declares.
	headerParams []string
	// queryParams is true when it declares a query parameter.
	queryParams bool
	// paramRules judge the parameters it declares.
	paramRules []paramRule
	// schemas compiles the schemas of the spec it belongs to.
	schemas *oaschema.Schemas
	// validation is Route with no security requirements: recordings are
	// redacted, so credentials are never judged, and kin-openapi then skips
	// them instead of calling an authentication function per request.
	validation *routers.Route
	// responses describes each declared response, for the checks.
	responses map[*openapi3.ResponseRef]*responseInfo
	// byStatus is the response of each status declared by number.
	byStatus map[int]*responseInfo
}

// responseInfo is what the checks need of a declared response, computed
// once: its headers and media types in a stable order.
type responseInfo struct {
	response *openapi3.Response
	headers  []declaredHeader // sorted by name
	types    []string         // declared media types, sorted
}

type declaredHeader struct {
	name   string // as the spec spells it
	key    string // canonical, as http.Header keys it
	header *openapi3.Header
}

func newResponseInfo(r *openapi3.Response) *responseInfo {
	info := &responseInfo{response: r}
	for name, ref := range r.Headers {
		if ref != nil && ref.Value != nil {
			info.headers = append(info.headers, declaredHeader{name: name, key: http.CanonicalHeaderKey(name), header: ref.Value})
		}
	}
	slices.SortFunc(info.headers, func(a, b declaredHeader) int { return strings.Compare(a.name, b.name) })
	for mt := range r.Content {
		info.types = append(info.types, mt)
	}
	slices.Sort(info.types)
	return info
}

// response returns the declared response for a status (exact, a range such
// as 4XX, or default), nil when none.
func (o *Operation) response(status int) *responseInfo {
	if info, ok := o.byStatus[status]; ok {
		return info
	}
	ref := o.route.Operation.Responses.Status(status)
	if ref == nil {
		ref = o.route.Operation.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return nil
	}
	return o.responses[ref]
}

// ID returns the operation's operationId.
func (o *Operation) ID() string { return o.id }

// Statuses returns the operation's declared status codes, sorted.
func (o *Operation) Statuses() []int { return slices.Clone(o.statuses) }

// LoadSpec loads and validates an OpenAPI 3.0 fragment (a document such
// as openapi/fragment.yaml); name labels errors.
func LoadSpec(data []byte, name string) (*Spec, error) {
	doc, err := openapi.LoadData(data, name)
	if err != nil {
		return nil, err
	}
	s, err := newSpec(doc, name)
	if err != nil {
		return nil, err
	}
	s.info = SpecInfo{Name: name, SHA256: digest(data)}
	return s, nil
}

var defaultSpec = sync.OnceValues(func() (*Spec, error) {
	return LoadSpec(openapi.Fragment, "openapi/fragment.yaml")
})

// DefaultSpec returns the fragment embedded in this module, loaded once:
// the defer operation, the judge's default.
func DefaultSpec() (*Spec, error) { return defaultSpec() }

var atlasSpecs = [2]func() (*Spec, error){
	sync.OnceValues(func() (*Spec, error) { return publishedSpec(openapi.LoadAtlas(false)) }),
	sync.OnceValues(func() (*Spec, error) { return publishedSpec(openapi.LoadAtlas(true)) }),
}

// AtlasSpec returns MongoDB's published Atlas Administration API v2 spec as
// this module embeds it (at the fragment's upstream revision), with the
// errata overlay applied unless errata is false; loaded once for each.
// Every operation of the API is judged against it.
func AtlasSpec(errata bool) (*Spec, error) {
	if errata {
		return atlasSpecs[1]()
	}
	return atlasSpecs[0]()
}

// LoadPublishedSpec loads a copy of MongoDB's published spec (YAML or JSON,
// possibly gzip-compressed), with the errata overlay applied unless errata
// is false. It loads the file as it is: ECMAScript patterns, examples that
// break their schemas (a warning), the two templates upstream declares for
// one path (resolved, a warning).
func LoadPublishedSpec(data []byte, name string, errata bool) (*Spec, error) {
	return publishedSpec(openapi.LoadPublished(data, name, errata))
}

func publishedSpec(doc *openapi3.T, info openapi.SpecInfo, warnings []openapi.Warning, err error) (*Spec, error) {
	if err != nil {
		return nil, err
	}
	s, err := newSpec(doc, info.Name)
	if err != nil {
		return nil, err
	}
	s.info = SpecInfo{Name: info.Name, SHA256: info.SHA256, Revision: info.XgenSHA, Errata: info.OverlaySHA256}
	for _, w := range warnings {
		s.warnings = append(s.warnings, w.String())
	}
	return s, nil
}

func newSpec(doc *openapi3.T, name string) (*Spec, error) {
	schemas, err := oaschema.New(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s := &Spec{doc: doc, schemas: schemas}
	if len(doc.Servers) > 0 {
		u, err := url.Parse(doc.Servers[0].URL)
		if err != nil {
			return nil, fmt.Errorf("%s: servers[0].url: %w", name, err)
		}
		s.basePath = strings.TrimSuffix(u.Path, "/")
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			o := &Operation{
				method:  method,
				path:    path,
				id:      op.OperationID,
				route:   &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
				schemas: schemas,
			}
			var err error
			if o.segments, err = parseTemplate(path); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			for _, seg := range o.segments {
				if seg.param != "" {
					o.nparams++
				}
			}
			if len(doc.Servers) > 0 {
				o.route.Server = doc.Servers[0]
			}
			noSecurity := *op
			noSecurity.Security = &openapi3.SecurityRequirements{}
			v := *o.route
			v.Operation = &noSecurity
			o.validation = &v
			o.responses, o.byStatus = map[*openapi3.ResponseRef]*responseInfo{}, map[int]*responseInfo{}
			for code, ref := range op.Responses.Map() {
				if ref != nil && ref.Value != nil {
					o.responses[ref] = newResponseInfo(ref.Value)
				}
				n, err := strconv.Atoi(code)
				if err != nil || strconv.Itoa(n) != code {
					// "default" and ranges are matched by kin-openapi's
					// Responses.Status; "0200" or "+201" by nothing.
					continue
				}
				o.statuses = append(o.statuses, n)
				if ref.Value != nil {
					o.byStatus[n] = o.responses[ref]
					o.versions.add(ref.Value.Content)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				o.versions.add(op.RequestBody.Value.Content)
			}
			slices.Sort(o.statuses)
			o.paramRules = newParamRules(item.Parameters, op.Parameters)
			params := append(slices.Clone(item.Parameters), op.Parameters...)
			o.envelope = params.GetByInAndName(openapi3.ParameterInQuery, "envelope") != nil
			for _, p := range params {
				if p.Value != nil && p.Value.In == openapi3.ParameterInHeader {
					o.headerParams = append(o.headerParams, p.Value.Name)
				}
				o.queryParams = o.queryParams || p.Value != nil && p.Value.In == openapi3.ParameterInQuery
			}
			s.operations = append(s.operations, o)
		}
	}
	if len(s.operations) == 0 {
		return nil, fmt.Errorf("%s: the document has no operations", name)
	}
	if doc.Components != nil {
		for _, ref := range doc.Components.SecuritySchemes {
			if ref == nil || ref.Value == nil || ref.Value.Flows == nil {
				continue
			}
			f := ref.Value.Flows
			for _, flow := range []*openapi3.OAuthFlow{f.ClientCredentials, f.Password, f.AuthorizationCode} {
				if flow == nil || flow.TokenURL == "" {
					continue
				}
				if u, err := url.Parse(flow.TokenURL); err == nil && u.Path != "" && !slices.Contains(s.tokenPaths, u.EscapedPath()) {
					s.tokenPaths = append(s.tokenPaths, u.EscapedPath())
				}
			}
		}
		slices.Sort(s.tokenPaths)
	}
	slices.SortFunc(s.operations, func(a, b *Operation) int {
		return strings.Compare(a.path+" "+a.method, b.path+" "+b.method)
	})
	for _, o := range s.operations {
		if err := s.router.add(o); err != nil {
			s.warnings = append(s.warnings, err.Error())
		}
	}
	return s, nil
}

// Warnings says what loading the spec resolved on its own, such as two
// operations with one method and one path shape (the first, in path
// order, routes).
func (s *Spec) Warnings() []string { return slices.Clone(s.warnings) }

// Operations returns the spec's operations, sorted by path and method.
func (s *Spec) Operations() []*Operation { return slices.Clone(s.operations) }

// IsAuthEndpoint tells whether a request is a call to an OAuth 2.0 token
// endpoint the spec's security schemes declare (the Service Account token
// exchange that precedes API calls in a recording), or to its revocation
// endpoint beside it (…/revoke for …/token, RFC 7009: Atlas's
// /api/oauth/revoke, which clients call when they are done). Neither is an
// operation.
func (s *Spec) IsAuthEndpoint(method, escapedPath, mount string) bool {
	path, ok := strings.CutPrefix(escapedPath, strings.TrimSuffix(mount, "/"))
	if !ok || method != http.MethodPost {
		return false
	}
	for _, t := range s.tokenPaths {
		if path == t {
			return true
		}
		if dir, ok := strings.CutSuffix(t, "/token"); ok && path == dir+"/revoke" {
			return true
		}
	}
	return false
}

// jsonMedia picks the media type a body without Content-Type, or an
// enveloped content, is judged by: the declared JSON one, application/json
// first; nil when none is declared.
func (info *responseInfo) jsonMedia() *openapi3.MediaType {
	content := info.response.Content
	if m := content["application/json"]; m != nil {
		return m
	}
	for _, mt := range info.types {
		if isJSONMediaType(mt) {
			return content[mt]
		}
	}
	return nil
}

// isList tells whether the response is a page of a list (an object whose
// results member is an array, as Atlas's Paginated… schemas are): with
// envelope=true, Atlas adds a status member to it instead of wrapping it.
func (info *responseInfo) isList() bool {
	m := info.jsonMedia()
	if m == nil || m.Schema == nil || m.Schema.Value == nil {
		return false
	}
	results := m.Schema.Value.Properties["results"]
	return results != nil && results.Value != nil && results.Value.Type.Is("array")
}

// isEnvelope tells whether the response's declared JSON body is itself an
// envelope: an object with status and content members. nil (an undeclared
// status) is none.
func (info *responseInfo) isEnvelope() bool {
	if info == nil {
		return false
	}
	m := info.jsonMedia()
	if m == nil || m.Schema == nil || m.Schema.Value == nil {
		return false
	}
	props := m.Schema.Value.Properties
	return props["status"] != nil && props["content"] != nil
}

// describeOperations lists the spec's operations as "METHOD path", or
// counts them when there are many.
func (s *Spec) describeOperations() string {
	if len(s.operations) > 3 {
		return strconv.Itoa(len(s.operations)) + " operations"
	}
	var out []string
	for _, o := range s.operations {
		out = append(out, o.method+" "+o.path)
	}
	return strings.Join(out, ", ")
}
