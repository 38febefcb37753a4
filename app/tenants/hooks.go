package tenants

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// runHooks tells every hosted module about a committed lifecycle change. The
// change cannot be undone by then, so a failing or panicking hook is logged
// and the remaining hooks still run. The hooks get a context that is not
// cancelled with the request, so a client hanging up does not cut them short.
func (s *Service) runHooks(ctx context.Context, action core.Action, t core.Tenant) {
	ref := ports.TenantRef{ID: t.ID, Slug: t.Slug, SchemaName: t.SchemaName}
	ctx = context.WithoutCancel(ctx)
	for _, hook := range s.hooks {
		var fn func(context.Context, ports.TenantRef) error
		switch action {
		case core.ActionSuspend:
			fn = hook.Suspended
		case core.ActionActivate:
			fn = hook.Activated
		case core.ActionDelete:
			fn = hook.Deleted
		}
		if fn == nil {
			continue
		}
		if err := callHook(ctx, fn, ref); err != nil {
			s.logger.Error("tenant hook failed",
				zap.String("module", hook.Module),
				zap.String("action", string(action)),
				zap.String("tenant", t.Slug),
				zap.Error(err))
		}
	}
}

func callHook(ctx context.Context, fn func(context.Context, ports.TenantRef) error, ref ports.TenantRef) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("hook panicked: %v", r)
		}
	}()
	return fn(ctx, ref)
}
