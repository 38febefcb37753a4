package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Transaction states of a connection, as PostgreSQL's ReadyForQuery reports
// them and pgx keeps them.
const (
	TxIdle   = 'I'
	TxOpen   = 'T'
	TxFailed = 'E'
)

// ExecList sends list, statements without arguments, in one round trip on
// conn, inside whatever transaction conn has open, and returns the result of
// each statement (database/sql would read only one). On an error the server
// skipped the rest of the list and left any transaction aborted; the caller
// ends it, and Release discards a connection that is not idle.
func ExecList(ctx context.Context, conn *sql.Conn, list string) ([]*pgconn.Result, error) {
	var (
		results []*pgconn.Result
		err     error
	)
	rawErr := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			err = fmt.Errorf("statement lists need the pgx stdlib driver, got %T", dc)
			return nil
		}
		results, err = c.Conn().PgConn().Exec(ctx, list).ReadAll()
		// A broken connection shows in the next call on conn; returning it
		// from Raw here would drop the connection under an open transaction.
		return nil
	})
	if rawErr != nil {
		return nil, rawErr
	}
	return results, err
}

// TxStatus reads conn's transaction state as of the server's last answer,
// without a round trip.
func TxStatus(conn *sql.Conn) (byte, error) {
	var status byte
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("transaction state needs the pgx stdlib driver, got %T", dc)
		}
		if c.Conn().IsClosed() {
			return driver.ErrBadConn
		}
		status = c.Conn().PgConn().TxStatus()
		return nil
	})
	return status, err
}

// Release gives conn back: to the pool when it is idle, else it is closed,
// so a connection inside a transaction is never handed to the next caller.
func Release(conn *sql.Conn) {
	if status, err := TxStatus(conn); err != nil || status != TxIdle {
		Discard(conn)
	}
	_ = conn.Close()
}

// Discard makes database/sql close conn's underlying connection instead of
// pooling it (returning driver.ErrBadConn from Raw does that).
func Discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}
