package atlas

import (
	"fmt"
	"os"
)

// The environment variables NewFromEnv reads: the names MongoDB's own tools
// use (the Atlas CLI and Terraform provider: ..._API_KEY; the Atlas Go SDK's
// documentation: MONGODB_ATLAS_PUBLIC_KEY and MONGODB_ATLAS_PRIVATE_KEY).
const (
	EnvClientID      = "MONGODB_ATLAS_CLIENT_ID"
	EnvClientSecret  = "MONGODB_ATLAS_CLIENT_SECRET"
	EnvPublicAPIKey  = "MONGODB_ATLAS_PUBLIC_API_KEY"
	EnvPrivateAPIKey = "MONGODB_ATLAS_PRIVATE_API_KEY"
	EnvPublicKey     = "MONGODB_ATLAS_PUBLIC_KEY"
	EnvPrivateKey    = "MONGODB_ATLAS_PRIVATE_KEY"
	EnvBaseURL       = "MONGODB_ATLAS_BASE_URL"
)

// NewFromEnv returns a Client with credentials from the environment, the
// first complete pair in this order: a Service Account from
// MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET; an API key from
// MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY; an API key
// from MONGODB_ATLAS_PUBLIC_KEY and MONGODB_ATLAS_PRIVATE_KEY. The client's
// %v names the pair it used. MONGODB_ATLAS_BASE_URL, when set, is the
// server. opts apply after the environment, so they override it. It fails,
// naming the variables, when no pair is set or a pair is half set.
func NewFromEnv(opts ...Option) (*Client, error) {
	return newFromEnv(os.LookupEnv, opts...)
}

func newFromEnv(lookup func(string) (string, bool), opts ...Option) (*Client, error) {
	get := func(name string) string { v, _ := lookup(name); return v }
	auth, err := envCredentials(get)
	if err != nil {
		return nil, err
	}
	all := make([]Option, 0, len(opts)+2)
	all = append(all, auth)
	if base := get(EnvBaseURL); base != "" {
		all = append(all, func(s *settings) error {
			u, err := parseServer(base)
			if err != nil {
				return fmt.Errorf("atlas: %s: %w", EnvBaseURL, err)
			}
			s.server = u
			return nil
		})
	}
	return New(append(all, opts...)...)
}

// envPairs are the credential pairs NewFromEnv looks for, in order of precedence.
var envPairs = [...]struct {
	kind    authKind
	id, key string
}{
	{authServiceAccount, EnvClientID, EnvClientSecret},
	{authAPIKey, EnvPublicAPIKey, EnvPrivateAPIKey},
	{authAPIKey, EnvPublicKey, EnvPrivateKey},
}

// envCredentials picks the credentials pair from the environment.
func envCredentials(get func(string) string) (Option, error) {
	for _, p := range envPairs {
		id, secret := get(p.id), get(p.key)
		if err := halfSet(p.id, id, p.key, secret); err != nil {
			return nil, err
		}
		if id == "" {
			continue
		}
		c := credentials{kind: p.kind, id: id, secret: secret, from: p.id + "/" + p.key}
		return func(s *settings) error { s.auth = c; return nil }, nil
	}
	return nil, fmt.Errorf("atlas: no Atlas credentials in the environment: set %s and %s (a Service Account), or %s and %s (an API key; %s and %s also work)",
		EnvClientID, EnvClientSecret, EnvPublicAPIKey, EnvPrivateAPIKey, EnvPublicKey, EnvPrivateKey)
}

// halfSet reports a pair of variables of which only one is set, by name only.
func halfSet(nameA, a, nameB, b string) error {
	switch {
	case a != "" && b == "":
		return fmt.Errorf("atlas: %s is set but %s is empty; set both or neither", nameA, nameB)
	case a == "" && b != "":
		return fmt.Errorf("atlas: %s is set but %s is empty; set both or neither", nameB, nameA)
	}
	return nil
}
