package atlas

import (
	"fmt"
	"os"
)

// The environment variables NewFromEnv reads: the names MongoDB's own tools use.
const (
	EnvClientID      = "MONGODB_ATLAS_CLIENT_ID"
	EnvClientSecret  = "MONGODB_ATLAS_CLIENT_SECRET"
	EnvPublicAPIKey  = "MONGODB_ATLAS_PUBLIC_API_KEY"
	EnvPrivateAPIKey = "MONGODB_ATLAS_PRIVATE_API_KEY"
	EnvBaseURL       = "MONGODB_ATLAS_BASE_URL"
)

// NewFromEnv returns a Client with credentials from the environment: a
// Service Account from MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET
// (preferred), else an API key from MONGODB_ATLAS_PUBLIC_API_KEY and
// MONGODB_ATLAS_PRIVATE_API_KEY. MONGODB_ATLAS_BASE_URL, when set, is the
// server. opts apply after the environment, so they override it. It fails,
// naming the variables, when neither pair is set or a pair is half set.
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

// envCredentials picks the credentials pair from the environment.
func envCredentials(get func(string) string) (Option, error) {
	id, secret := get(EnvClientID), get(EnvClientSecret)
	pub, priv := get(EnvPublicAPIKey), get(EnvPrivateAPIKey)
	if err := halfSet(EnvClientID, id, EnvClientSecret, secret); err != nil {
		return nil, err
	}
	if id != "" {
		return WithServiceAccount(id, secret), nil
	}
	if err := halfSet(EnvPublicAPIKey, pub, EnvPrivateAPIKey, priv); err != nil {
		return nil, err
	}
	if pub != "" {
		return WithAPIKey(pub, priv), nil
	}
	return nil, fmt.Errorf("atlas: no Atlas credentials in the environment: set %s and %s (a Service Account), or %s and %s (an API key)",
		EnvClientID, EnvClientSecret, EnvPublicAPIKey, EnvPrivateAPIKey)
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
