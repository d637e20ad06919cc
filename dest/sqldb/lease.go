package sqldb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// leasesName is the table of leases (backlogsync.Leaser): one row per
// scope held, with its holder and its expiry in milliseconds of the
// database server's clock.
const leasesName = bs.ReservedPrefix + "leases"

var leasesTable = &bs.Table{
	Name: leasesName,
	Columns: []bs.Column{col("scope", bs.TypeText), col("holder", bs.TypeText), col("expires_ms", bs.TypeInt),
		col("acquired", bs.TypeTimestamp)},
	PrimaryKey: []string{"scope"},
}

// Clock is an optional Dialect method: the SQL expression of the database
// server's current time in Unix milliseconds (a BIGINT), so that lease
// expiry does not depend on the clocks of the hosts that hold leases.
// Without it the writing process's clock is used.
type Clock interface {
	NowMillisSQL() string
}

// holderID names this process in leases: host, process id and a random
// part (two destinations opened by one process are two holders).
func holderID() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s pid %d #%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// sqlArgs builds a statement's arguments in the order their placeholders
// appear (MySQL and SQLite number them by position).
type sqlArgs struct {
	x    *DB
	args []any
}

// p appends v and returns its placeholder.
func (a *sqlArgs) p(v any) string {
	a.args = append(a.args, v)
	return a.x.d.Placeholder(len(a.args))
}

// now returns the SQL of the current time in milliseconds (the database
// server's clock when the dialect has one).
func (a *sqlArgs) now() string {
	if c, ok := a.x.d.(Clock); ok {
		return c.NowMillisSQL()
	}
	return a.p(time.Now().UnixMilli())
}

// Lease implements backlogsync.Leaser with a row of the leases table: it is
// taken when no row holds scope or the row's lease expired, renewed every
// ttl/3, and deleted by release.
func (x *DB) Lease(ctx context.Context, scope string, ttl time.Duration) (func() error, error) {
	if ttl < 3*time.Millisecond {
		return nil, bs.Errorf(bs.EINVALID, "lease %s: ttl %s is too short", scope, ttl)
	}
	holder := holderID()
	ms := ttl.Milliseconds()
	ref, q := x.ref(leasesName), x.q
	acquired := x.d.Encode(bs.TypeTimestamp, time.Now().UTC().Truncate(time.Second))
	// The statements that take the lease run to their end whatever ctx
	// does: cancelled half-way, a statement's call can return while the
	// server still applies it (on another connection than any clean-up),
	// leaving a row that is never renewed nor released and keeps the scope
	// busy until it expires. They are short; ctx is looked at once they
	// are done, and a lease taken too late is given back.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	// Take an expired (or our own) row, else insert one.
	a := &sqlArgs{x: x}
	upd := fmt.Sprintf("UPDATE %s SET %s = %s, %s = %s + %s, %s = %s WHERE %s = %s AND (%s < %s OR %s = %s)", ref,
		q("holder"), a.p(holder), q("expires_ms"), a.now(), a.p(ms), q("acquired"), a.p(acquired),
		q("scope"), a.p(scope), q("expires_ms"), a.now(), q("holder"), a.p(holder))
	res, err := x.db.ExecContext(sctx, upd, a.args...)
	if err != nil {
		return nil, fmt.Errorf("lease %s: %w", scope, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		a := &sqlArgs{x: x}
		ins := fmt.Sprintf("INSERT INTO %s (%s, %s, %s, %s) VALUES (%s, %s, %s + %s, %s)", ref,
			q("scope"), q("holder"), q("expires_ms"), q("acquired"), a.p(scope), a.p(holder), a.now(), a.p(ms), a.p(acquired))
		if _, err := x.db.ExecContext(sctx, ins, a.args...); err != nil {
			if !x.takeFromDead(sctx, scope, holder, ms, acquired) {
				return nil, x.busy(sctx, scope, err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, x.giveBack(sctx, scope, holder, fmt.Errorf("lease %s: %w", scope, err))
	}
	// Renew until released or ctx ends.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				a := &sqlArgs{x: x}
				renew := fmt.Sprintf("UPDATE %s SET %s = %s + %s WHERE %s = %s AND %s = %s", ref,
					q("expires_ms"), a.now(), a.p(ms), q("scope"), a.p(scope), q("holder"), a.p(holder))
				x.db.ExecContext(ctx, renew, a.args...)
			}
		}
	}()
	var once sync.Once
	var relErr error
	return func() error {
		once.Do(func() {
			close(stop)
			wg.Wait()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := x.deleteLease(rctx, scope, holder); err != nil {
				relErr = fmt.Errorf("release lease %s: %w", scope, err)
			}
		})
		return relErr
	}, nil
}

// giveBack deletes holder's row on scope, taken by a Lease call whose
// context ended meanwhile, and returns err. A holder is one Lease call's
// own, so its row is nobody else's.
func (x *DB) giveBack(ctx context.Context, scope, holder string, err error) error {
	if derr := x.deleteLease(ctx, scope, holder); derr != nil {
		return fmt.Errorf("%w (and giving back the lease it took failed: %v; it expires by itself)", err, derr)
	}
	return err
}

// deleteLease deletes holder's row on scope: a release, or the giving
// back of a lease taken too late.
func (x *DB) deleteLease(ctx context.Context, scope, holder string) error {
	a := &sqlArgs{x: x}
	del := fmt.Sprintf("DELETE FROM %s WHERE %s = %s AND %s = %s", x.ref(leasesName), x.q("scope"), a.p(scope), x.q("holder"), a.p(holder))
	_, err := x.db.ExecContext(ctx, del, a.args...)
	return err
}

// takeFromDead takes the lease on scope when its holder is a process of
// this host that no longer runs (killed: it could neither renew nor give
// the lease back), without waiting for the lease to expire. A holder on
// another host is left to expire.
func (x *DB) takeFromDead(ctx context.Context, scope, holder string, ms int64, acquired any) bool {
	a := &sqlArgs{x: x}
	sel := fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s", x.q("holder"), x.ref(leasesName), x.q("scope"), a.p(scope))
	var old string
	if err := x.db.QueryRowContext(ctx, sel, a.args...).Scan(&old); err != nil {
		return false
	}
	f := strings.Fields(old)
	host, _ := os.Hostname()
	if len(f) != 4 || f[0] != host || f[1] != "pid" {
		return false
	}
	pid, err := strconv.Atoi(f[2])
	if err != nil || pid == os.Getpid() || processAlive(pid) {
		return false
	}
	a = &sqlArgs{x: x}
	upd := fmt.Sprintf("UPDATE %s SET %s = %s, %s = %s + %s, %s = %s WHERE %s = %s AND %s = %s", x.ref(leasesName),
		x.q("holder"), a.p(holder), x.q("expires_ms"), a.now(), a.p(ms), x.q("acquired"), a.p(acquired),
		x.q("scope"), a.p(scope), x.q("holder"), a.p(old))
	res, err := x.db.ExecContext(ctx, upd, a.args...)
	if err != nil {
		return false
	}
	n, _ := res.RowsAffected()
	return n == 1
}

// busy explains why a lease could not be taken: the holder of the row, or
// the insert's error when no row holds the scope.
func (x *DB) busy(ctx context.Context, scope string, insertErr error) error {
	a := &sqlArgs{x: x}
	sel := fmt.Sprintf("SELECT %s, %s, %s - %s FROM %s WHERE %s = %s", x.q("holder"), x.q("acquired"), x.q("expires_ms"), a.now(),
		x.ref(leasesName), x.q("scope"), a.p(scope))
	var holder string
	var acquired any
	var left int64
	if err := x.db.QueryRowContext(ctx, sel, a.args...).Scan(&holder, &acquired, &left); err != nil {
		return fmt.Errorf("lease %s: %w", scope, insertErr)
	}
	since := ""
	if t, err := x.d.Decode(bs.TypeTimestamp, acquired); err == nil {
		since = " since " + t.(time.Time).Format(time.RFC3339)
	}
	return bs.Errorf(bs.EBUSY, "another run is replicating %s into this destination (%s%s; its lease expires in %s unless renewed): wait for it to finish, or pass --wait DURATION to wait",
		scope, holder, since, (time.Duration(max(left, 0)) * time.Millisecond).Round(time.Second))
}
