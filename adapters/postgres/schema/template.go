package schema

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tenancyhq/tenancy/core"
)

func (p *Provisioner) copyTemplateTx(ctx context.Context, tx *sql.Tx, schema string) ([]core.MigrationRef, error) {
	return nil, errors.New("template copy is not implemented yet")
}
