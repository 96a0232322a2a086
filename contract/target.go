package contract

import (
	"context"
	"errors"
	"net"
	"os"

	"github.com/atlascontract/deferwindow/contract/recording"
	atlas "github.com/atlascontract/deferwindow/gen"
	"github.com/atlascontract/deferwindow/internal/netpolicy"
)

// ErrLiveTargetNeedsLive is returned when Source.Target is not a loopback
// address and Source.Live is not set.
var ErrLiveTargetNeedsLive = netpolicy.ErrNeedsLive

// targetClient applies the target policy to src.Target and builds the
// client that reaches it through the allowed transport. A non-loopback
// target also needs a project id to replace the recorded ones.
func targetClient(ctx context.Context, src Source) (*atlas.Client, error) {
	t, err := netpolicy.Check(ctx, src.Target, src.Live)
	if err != nil {
		return nil, err
	}
	if !t.Loopback && src.GroupID == "" {
		return nil, errors.New("a non-loopback target needs a project id of yours (Source.GroupID): the recorded project ids are not yours to change")
	}
	if src.GroupID != "" {
		if err := atlas.ValidateGroupID(src.GroupID); err != nil {
			return nil, err
		}
	}
	newClient := src.NewClient
	if newClient == nil {
		newClient = atlas.New
	}
	return newClient(atlas.WithServer(src.Target), atlas.WithTransport(t.Transport))
}

// notSendable says why an interaction must not be sent to a target, or ""
// when it may be: only a request that routes to the operation the generated
// client was generated for, with a project id made of plain characters, is
// sent. Anything else in a recording (a browser's HAR holds every call the
// page made: deleting clusters, creating users, opening access lists) would
// run with the target's credentials. With a project id to put in its place,
// a recorded id that is not a valid one is not sent either: it would go out
// as recorded, to a project that is not yours.
func (r *replayer) notSendable(in *recording.Interaction) string {
	req := &in.Request
	if req.URL == nil {
		return msgNoURL.format()
	}
	what := quote(req.Method) + " " + quote(req.URL.EscapedPath())
	op, params, ok := r.spec.Route(req.Method, req.URL.EscapedPath(), r.mount)
	if !ok || op.id != atlas.OperationID || op.method != atlas.OperationMethod {
		return msgNotSentOperation.format(what, atlas.OperationMethod, atlas.OperationPath)
	}
	g := params["groupId"]
	if !plainSegment(g) {
		return msgNotSentPathSyntax.format(what)
	}
	if r.groupID != "" && atlas.ValidateGroupID(g) != nil {
		return msgNotSentInvalidID.format(what)
	}
	return ""
}

// plainSegment tells whether s is a path segment made of unreserved
// characters only (RFC 3986), and not a dot segment.
func plainSegment(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// targetSilent tells whether a send failed because the target cannot be
// reached or did not answer in time: the run stops then, for every next
// interaction would fail the same way, each after the same wait.
func targetSilent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
