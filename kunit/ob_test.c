// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: objects, handle tables, names and waits (ntob/ob.c, ntob/dir.c,
 * ntob/wait.c).
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "../ntob/ob.h"

struct test_obj {
	struct ob_object ob;
	int *destroyed;
};

static void test_obj_destroy(struct ob_object *obj)
{
	struct test_obj *t = container_of(obj, struct test_obj, ob);

	(*t->destroyed)++;
	kfree(t);
}

static const struct ob_type test_type = {
	.name = "Test",
	.valid_access = 0x001F000F,
	.generic = { 0x00020001, 0x00020002, 0x00120004, 0x001F000F },
	.destroy = test_obj_destroy,
};

static const struct ob_type other_type = {
	.name = "Other",
	.valid_access = 0x001F0001,
	.generic = { 0x1, 0x1, 0x1, 0x001F0001 },
	.destroy = test_obj_destroy,
};

static const struct ob_type uncounted_type = {
	.name = "Uncounted",
	.valid_access = 0x001F0001,
	.generic = { 0x1, 0x1, 0x1, 0x001F0001 },
	.destroy = test_obj_destroy,
	.uncounted = true,
};

static struct test_obj *new_obj(struct kunit *test, const struct ob_type *type,
				int *destroyed)
{
	struct test_obj *t = kzalloc(sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	ob_init_object(&t->ob, type);
	t->destroyed = destroyed;
	return t;
}

static ntstatus_t insert(struct ob_handle_table *table, struct ob_object *obj,
			 u32 access, u32 attributes, u64 *handle)
{
	struct ob_handle_info info = { .access = access, .attributes = attributes };

	return ob_insert_handle(table, obj, &info, handle);
}

static void handle_values(struct kunit *test)
{
	struct ob_handle_table table;
	int destroyed = 0;
	struct test_obj *t = new_obj(test, &test_type, &destroyed);
	struct ob_object *obj;
	struct ob_handle_info info;
	u64 h1, h2;

	ob_init_handle_table(&table);
	KUNIT_EXPECT_EQ(test, insert(&table, &t->ob, 0x3, 0, &h1), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, insert(&table, &t->ob, 0x1, OBJ_INHERIT, &h2),
			STATUS_SUCCESS);
	KUNIT_EXPECT_NE(test, h1, 0ull);
	KUNIT_EXPECT_EQ(test, h1 % 4, 0ull);
	KUNIT_EXPECT_EQ(test, h2 % 4, 0ull);
	KUNIT_EXPECT_NE(test, h1, h2);
	KUNIT_EXPECT_EQ(test, ob_handle_count(&table), 2u);

	/* The low two bits of a handle are ignored. */
	KUNIT_ASSERT_EQ(test, ob_reference_handle(&table, h2 | 3, &test_type, 0x1, &obj,
						  &info), STATUS_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, obj, &t->ob);
	KUNIT_EXPECT_EQ(test, info.access, 0x1u);
	KUNIT_EXPECT_EQ(test, info.attributes, OBJ_INHERIT);
	ob_dereference(obj);

	/* Pseudo, negative and zero handles are never table handles. */
	KUNIT_EXPECT_EQ(test, ob_reference_handle(&table, 0, NULL, 0, &obj, NULL),
			STATUS_INVALID_HANDLE);
	KUNIT_EXPECT_EQ(test, ob_reference_handle(&table, (u64)-1, NULL, 0, &obj, NULL),
			STATUS_INVALID_HANDLE);
	KUNIT_EXPECT_EQ(test, ob_reference_handle(&table, 1ull << 40, NULL, 0, &obj, NULL), STATUS_INVALID_HANDLE);

	ob_dereference(&t->ob);
	KUNIT_EXPECT_EQ(test, destroyed, 0);
	ob_close_handle_table(&table);
	KUNIT_EXPECT_EQ(test, destroyed, 1);
	KUNIT_EXPECT_EQ(test, ob_handle_count(&table), 0u);
}

/*
 * An uncounted type's handles leave the handle count alone, yet hold their
 * references; ob_insert_handle_ref() keeps the caller's reference on
 * success only.
 */
static void handle_references(struct kunit *test)
{
	struct ob_handle_table table;
	int destroyed = 0, other_destroyed = 0;
	struct test_obj *t = new_obj(test, &uncounted_type, &destroyed);
	struct test_obj *c = new_obj(test, &test_type, &other_destroyed);
	struct ob_handle_info info = { .access = 0x1 };
	struct ob_object *obj;
	u64 h1, h2, h3;

	ob_init_handle_table(&table);
	KUNIT_ASSERT_EQ(test, ob_insert_handle(&table, &t->ob, &info, &h1), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->ob.handles), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&t->ob.ref), 2u);
	/* The caller's reference becomes the handle's. */
	ob_reference(&t->ob);
	KUNIT_ASSERT_EQ(test, ob_insert_handle_ref(&table, &t->ob, &info, &h2),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, kref_read(&t->ob.ref), 3u);
	KUNIT_EXPECT_EQ(test, ob_handle_count(&table), 2u);
	KUNIT_ASSERT_EQ(test, ob_reference_handle(&table, h2, &uncounted_type, 0x1, &obj,
						  NULL), STATUS_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, obj, &t->ob);
	ob_dereference(obj);
	KUNIT_EXPECT_EQ(test, ob_close_handle(&table, h1), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ob_close_handle(&table, h2), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, kref_read(&t->ob.ref), 1u);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->ob.handles), 0);

	/* A counted type counts either way. */
	KUNIT_ASSERT_EQ(test, ob_insert_handle_ref(&table, &c->ob, &info, &h3),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ob.handles), 1);
	KUNIT_EXPECT_EQ(test, kref_read(&c->ob.ref), 1u);

	/* Refused: the reference stays the caller's. */
	ob_close_handle_table(&table);
	KUNIT_EXPECT_EQ(test, other_destroyed, 1);
	ob_reference(&t->ob);
	KUNIT_EXPECT_EQ(test, ob_insert_handle_ref(&table, &t->ob, &info, &h1),
			STATUS_PROCESS_IS_TERMINATING);
	KUNIT_EXPECT_EQ(test, kref_read(&t->ob.ref), 2u);
	ob_dereference(&t->ob);
	KUNIT_EXPECT_EQ(test, destroyed, 0);
	ob_dereference(&t->ob);
	KUNIT_EXPECT_EQ(test, destroyed, 1);
}

static void handle_inheritance(struct kunit *test)
{
	struct ob_handle_table src, dst;
	int destroyed = 0;
	struct test_obj *t = new_obj(test, &test_type, &destroyed);
	struct ob_handle_info info;
	struct ob_object *obj;
	u64 h1, h2, h3, other;

	ob_init_handle_table(&src);
	ob_init_handle_table(&dst);
	KUNIT_ASSERT_EQ(test, insert(&src, &t->ob, 0x1, 0, &h1), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, insert(&src, &t->ob, 0x3, OBJ_INHERIT, &h2), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, insert(&src, &t->ob, 0x2, OBJ_INHERIT, &h3), STATUS_SUCCESS);
	/* A value already taken in the new table stays what it is. */
	KUNIT_ASSERT_EQ(test, insert(&dst, &t->ob, 0x1, 0, &other), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, other, h1);

	KUNIT_EXPECT_EQ(test, ob_inherit_handles(&src, &dst), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ob_handle_count(&dst), 3u);
	KUNIT_ASSERT_EQ(test, ob_reference_handle(&dst, h2, &test_type, 0, &obj, &info),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, info.access, 0x3u);
	KUNIT_EXPECT_EQ(test, info.attributes, OBJ_INHERIT);
	ob_dereference(obj);
	KUNIT_ASSERT_EQ(test, ob_reference_handle(&dst, h3, &test_type, 0, &obj, &info),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, info.access, 0x2u);
	ob_dereference(obj);
	KUNIT_ASSERT_EQ(test, ob_reference_handle(&dst, h1, &test_type, 0, &obj, &info),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, info.access, 0x1u);
	ob_dereference(obj);

	/* A closed table takes nothing. */
	ob_close_handle_table(&dst);
	KUNIT_EXPECT_EQ(test, ob_inherit_handles(&src, &dst), STATUS_PROCESS_IS_TERMINATING);
	KUNIT_EXPECT_EQ(test, ob_handle_count(&dst), 0u);
	ob_dereference(&t->ob);
	ob_close_handle_table(&src);
	KUNIT_EXPECT_EQ(test, destroyed, 1);
}

static void handle_checks_type_then_access(struct kunit *test)
{
	struct ob_handle_table table;
	int destroyed = 0;
	struct test_obj *t = new_obj(test, &test_type, &destroyed);
	struct ob_object *obj;
	u64 h;

	ob_init_handle_table(&table);
	KUNIT_ASSERT_EQ(test, insert(&table, &t->ob, 0x1, 0, &h), STATUS_SUCCESS);
	ob_dereference(&t->ob);
	KUNIT_EXPECT_EQ(test, ob_reference_handle(&table, h, &other_type, 0x2, &obj, NULL),
			STATUS_OBJECT_TYPE_MISMATCH);
	KUNIT_EXPECT_EQ(test, ob_reference_handle(&table, h, &test_type, 0x2, &obj, NULL),
			STATUS_ACCESS_DENIED);
	KUNIT_EXPECT_EQ(test, ob_reference_handle(&table, h, NULL, 0x1, &obj, NULL),
			STATUS_SUCCESS);
	ob_dereference(obj);
	KUNIT_EXPECT_EQ(test, ob_close_handle(&table, h), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, destroyed, 1);
	KUNIT_EXPECT_EQ(test, ob_close_handle(&table, h), STATUS_INVALID_HANDLE);
	KUNIT_EXPECT_EQ(test, ob_reference_handle(&table, h, NULL, 0, &obj, NULL),
			STATUS_INVALID_HANDLE);
	ob_close_handle_table(&table);
}

static void handle_reuse_and_growth(struct kunit *test)
{
	const int n = 20000;
	struct ob_handle_table table;
	int destroyed = 0, i;
	struct test_obj *t = new_obj(test, &test_type, &destroyed);
	u64 *h, again;

	h = kunit_kcalloc(test, n, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	ob_init_handle_table(&table);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, insert(&table, &t->ob, 0x1, 0, &h[i]),
				STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ob_handle_count(&table), (u32)n);
	/* Handles are handed out densely, lowest first. */
	KUNIT_EXPECT_EQ(test, h[0], 4ull);
	KUNIT_EXPECT_EQ(test, h[n - 1], (u64)n * 4);

	/* A closed slot is reused. */
	KUNIT_EXPECT_EQ(test, ob_close_handle(&table, h[1234]), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, insert(&table, &t->ob, 0x1, 0, &again),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, again, h[1234]);

	ob_dereference(&t->ob);
	ob_close_handle_table(&table);
	KUNIT_EXPECT_EQ(test, destroyed, 1);

	/* A closed table takes no more handles. */
	t = new_obj(test, &test_type, &destroyed);
	KUNIT_EXPECT_EQ(test, insert(&table, &t->ob, 0x1, 0, &again),
			STATUS_PROCESS_IS_TERMINATING);
	ob_dereference(&t->ob);
	KUNIT_EXPECT_EQ(test, destroyed, 2);
}

static void generic_mapping(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ob_map_generic(&test_type, GENERIC_READ), 0x00020001u);
	KUNIT_EXPECT_EQ(test, ob_map_generic(&test_type, GENERIC_WRITE | 0x8), 0x0002000Au);
	KUNIT_EXPECT_EQ(test, ob_map_generic(&test_type, GENERIC_EXECUTE), 0x00120004u);
	KUNIT_EXPECT_EQ(test, ob_map_generic(&test_type, GENERIC_ALL), 0x001F000Fu);
	KUNIT_EXPECT_EQ(test, ob_map_generic(&test_type, MAXIMUM_ALLOWED), MAXIMUM_ALLOWED);
}

static void wait_any_all_timeout(struct kunit *test)
{
	int destroyed = 0;
	struct test_obj *a = new_obj(test, &test_type, &destroyed);
	struct test_obj *b = new_obj(test, &test_type, &destroyed);
	struct ob_object *objs[2] = { &a->ob, &b->ob };
	struct ob_timeout poll = { .deadline = 0, .clock = CLOCK_MONOTONIC };
	struct ob_timeout soon = { .clock = CLOCK_MONOTONIC };
	ktime_t start;

	KUNIT_EXPECT_EQ(test, ob_wait_objects(objs, 2, false, NULL, &poll),
			(long)STATUS_TIMEOUT);
	ob_signal(&b->ob);
	KUNIT_EXPECT_EQ(test, ob_wait_objects(objs, 2, false, NULL, &poll),
			(long)STATUS_WAIT_0 + 1);
	KUNIT_EXPECT_EQ(test, ob_wait_objects(objs, 2, true, NULL, &poll),
			(long)STATUS_TIMEOUT);

	start = ktime_get();
	soon.deadline = ktime_add_ms(start, 30);
	KUNIT_EXPECT_EQ(test, ob_wait_objects(objs, 2, true, NULL, &soon),
			(long)STATUS_TIMEOUT);
	KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), start), 30);

	ob_signal(&a->ob);
	KUNIT_EXPECT_EQ(test, ob_wait_objects(objs, 2, true, NULL, &poll),
			(long)STATUS_WAIT_0);
	KUNIT_EXPECT_EQ(test, ob_wait_objects(objs, 2, false, NULL, &poll),
			(long)STATUS_WAIT_0);
	ob_dereference(&a->ob);
	ob_dereference(&b->ob);
	KUNIT_EXPECT_EQ(test, destroyed, 2);
}

static void wait_alert_and_delay(struct kunit *test)
{
	struct ob_timeout poll = { .deadline = 0, .clock = CLOCK_MONOTONIC };
	struct list_head apc;
	struct ob_alert alert;

	ob_init_alert(&alert);
	alert.alerted = true;
	list_add_tail(&apc, &alert.apcs);
	/* A pending alert ends an alertable wait and is consumed by it, first. */
	KUNIT_EXPECT_EQ(test, ob_wait_objects(NULL, 0, false, &alert, &poll),
			(long)STATUS_ALERTED);
	KUNIT_EXPECT_FALSE(test, alert.alerted);
	/* Then a user APC, which stays queued for its delivery. */
	KUNIT_EXPECT_EQ(test, ob_wait_objects(NULL, 0, false, &alert, &poll),
			(long)STATUS_USER_APC);
	KUNIT_EXPECT_FALSE(test, list_empty(&alert.apcs));
	list_del(&apc);
	/* A delay that runs out succeeds. */
	KUNIT_EXPECT_EQ(test, ob_wait_objects(NULL, 0, false, &alert, &poll),
			(long)STATUS_SUCCESS);
	/* A non-alertable wait ignores the alert. */
	alert.alerted = true;
	KUNIT_EXPECT_EQ(test, ob_wait_objects(NULL, 0, false, NULL, &poll),
			(long)STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, alert.alerted);
}

/*
 * A handle's binding changes only from what the caller found, and an
 * emptied table stays open for new handles (a new program's).
 */
static void handle_bind_and_empty(struct kunit *test)
{
	struct ob_handle_info info = { .access = 0x1, .bind = 7 }, got;
	struct ob_handle_table table;
	int destroyed = 0;
	struct test_obj *t = new_obj(test, &test_type, &destroyed);
	struct ob_object *obj;
	u64 h;

	ob_init_handle_table(&table);
	KUNIT_ASSERT_EQ(test, ob_insert_handle(&table, &t->ob, &info, &h), STATUS_SUCCESS);
	ob_rebind_handle(&table, h, &t->ob, 6, 9);
	KUNIT_ASSERT_EQ(test, ob_reference_handle(&table, h, NULL, 0, &obj, &got),
			STATUS_SUCCESS);
	ob_dereference(obj);
	KUNIT_EXPECT_EQ(test, got.bind, 7ull);
	ob_rebind_handle(&table, h, &t->ob, 7, 9);
	KUNIT_ASSERT_EQ(test, ob_reference_handle(&table, h, NULL, 0, &obj, &got),
			STATUS_SUCCESS);
	ob_dereference(obj);
	KUNIT_EXPECT_EQ(test, got.bind, 9ull);

	ob_empty_handle_table(&table);
	KUNIT_EXPECT_EQ(test, ob_handle_count(&table), 0u);
	KUNIT_EXPECT_EQ(test, ob_reference_handle(&table, h, NULL, 0, &obj, NULL),
			STATUS_INVALID_HANDLE);
	KUNIT_EXPECT_EQ(test, insert(&table, &t->ob, 0x1, 0, &h), STATUS_SUCCESS);
	ob_dereference(&t->ob);
	KUNIT_EXPECT_EQ(test, destroyed, 0);
	ob_close_handle_table(&table);
	KUNIT_EXPECT_EQ(test, destroyed, 1);
}

struct lookup_race {
	struct ob_handle_table *table;
	struct ob_object *a, *b;
	atomic_t done, found, wrong;
};

/* Look handle 4 up until told to stop; what is found must be whole. */
static int lookup_racer(void *arg)
{
	struct lookup_race *r = arg;
	struct ob_handle_info info;
	struct ob_object *obj;

	while (!atomic_read(&r->done)) {
		if (ob_reference_handle(r->table, 4, NULL, 0, &obj, &info))
			continue;
		atomic_inc(&r->found);
		if (!((obj == r->a && info.access == 0x1 && info.bind == 1) ||
		      (obj == r->b && info.access == 0x2 && info.bind == 2)))
			atomic_inc(&r->wrong);
		ob_dereference(obj);
		cond_resched();
	}
	return 0;
}

/*
 * Lookups take no lock: one racing with closes, inserts and the table's
 * growth sees a handle whole (its object with its own access and binding)
 * or not at all.
 */
static void handle_lookup_races_changes(struct kunit *test)
{
	struct ob_handle_info ia = { .access = 0x1, .bind = 1 }, ib = { .access = 0x2, .bind = 2 };
	int destroyed = 0, i, j;
	struct test_obj *a = new_obj(test, &test_type, &destroyed);
	struct test_obj *b = new_obj(test, &test_type, &destroyed);
	struct ob_handle_table table;
	struct lookup_race r = { .table = &table, .a = &a->ob, .b = &b->ob };
	struct task_struct *racer;
	const int nmore = 300;
	u64 h, *more;

	more = kunit_kcalloc(test, nmore, sizeof(*more), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, more);
	ob_init_handle_table(&table);
	racer = kthread_run(lookup_racer, &r, "ntexec-ob-race");
	KUNIT_ASSERT_FALSE(test, IS_ERR(racer));
	get_task_struct(racer);
	for (i = 0; i < 3000; i++) {
		KUNIT_ASSERT_EQ(test, ob_insert_handle(&table, i & 1 ? &b->ob : &a->ob,
						       i & 1 ? &ib : &ia, &h), STATUS_SUCCESS);
		KUNIT_EXPECT_EQ(test, h, 4ull);
		if (i % 100 == 50) {
			/* Grow the table under the racer, then empty it again. */
			for (j = 0; j < nmore; j++)
				KUNIT_ASSERT_EQ(test, ob_insert_handle(&table, &b->ob, &ib,
								       &more[j]),
						STATUS_SUCCESS);
			for (j = 0; j < nmore; j++)
				KUNIT_EXPECT_EQ(test, ob_close_handle(&table, more[j]),
						STATUS_SUCCESS);
		}
		KUNIT_EXPECT_EQ(test, ob_close_handle(&table, h), STATUS_SUCCESS);
		if (!(i % 64))
			usleep_range(10, 20);
	}
	atomic_set(&r.done, 1);
	kthread_stop(racer);
	put_task_struct(racer);
	ob_close_handle_table(&table);
	KUNIT_EXPECT_EQ(test, atomic_read(&r.wrong), 0);
	kunit_info(test, "%d lookups found a handle", atomic_read(&r.found));
	ob_dereference(&a->ob);
	ob_dereference(&b->ob);
	KUNIT_EXPECT_EQ(test, destroyed, 2);
}

/* A UTF-16 copy of an ASCII string, for names. */
static u16 *utf16(struct kunit *test, const char *s, u32 *len)
{
	u32 i, n = strlen(s);
	u16 *w = kunit_kcalloc(test, n + 1, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < n; i++)
		w[i] = (u8)s[i];
	*len = n;
	return w;
}

static const struct {
	const char *path;
	u32 attributes;
	ntstatus_t status;
	const char *leaf;
} name_cases[] = {
	{ "\\BaseNamedObjects\\a", 0, STATUS_SUCCESS, "a" },
	{ "\\BaseNamedObjects\\Local Name", 0, STATUS_SUCCESS, "Local Name" },
	{ "\\basenamedobjects\\a", OBJ_CASE_INSENSITIVE, STATUS_SUCCESS, "a" },
	{ "\\basenamedobjects\\a", 0, STATUS_OBJECT_PATH_NOT_FOUND, NULL },
	{ "BaseNamedObjects\\a", 0, STATUS_OBJECT_PATH_SYNTAX_BAD, NULL },
	{ "", 0, STATUS_OBJECT_PATH_SYNTAX_BAD, NULL },
	{ "\\", 0, STATUS_OBJECT_NAME_INVALID, NULL },
	{ "\\BaseNamedObjects", 0, STATUS_OBJECT_NAME_INVALID, NULL },
	{ "\\BaseNamedObjects\\", 0, STATUS_OBJECT_NAME_INVALID, NULL },
	{ "\\BaseNamedObjects\\a\\b", 0, STATUS_OBJECT_PATH_NOT_FOUND, NULL },
	{ "\\Sessions\\1\\BaseNamedObjects\\a", 0, STATUS_OBJECT_PATH_NOT_FOUND, NULL },
	{ "\\BaseNamedObjectsX\\a", 0, STATUS_OBJECT_PATH_NOT_FOUND, NULL },
};

static void names_parse(struct kunit *test)
{
	const u16 *leaf;
	u32 i, len, leaf_len;

	for (i = 0; i < ARRAY_SIZE(name_cases); i++) {
		u16 *w = utf16(test, name_cases[i].path, &len);
		u16 *want;
		u32 want_len;

		KUNIT_EXPECT_EQ_MSG(test, ob_parse_name(w, len, name_cases[i].attributes,
							&leaf, &leaf_len),
				    name_cases[i].status, "%s", name_cases[i].path);
		if (!name_cases[i].leaf)
			continue;
		want = utf16(test, name_cases[i].leaf, &want_len);
		KUNIT_EXPECT_EQ(test, leaf_len, want_len);
		KUNIT_EXPECT_EQ(test, memcmp(leaf, want, want_len * 2), 0);
	}
}

/*
 * A name goes with the object's last handle, even while references keep
 * the object; a duplicate create collides, OBJ_OPENIF opens, case folds
 * only when asked.
 */
static void names_live_with_handles(struct kunit *test)
{
	int destroyed = 0, other_destroyed = 0;
	struct test_obj *t = new_obj(test, &test_type, &destroyed);
	struct test_obj *u = new_obj(test, &test_type, &other_destroyed);
	struct test_obj *o = new_obj(test, &other_type, &other_destroyed);
	struct ob_handle_table table;
	struct ob_object *found;
	u16 *name, *upper;
	u32 len;
	u64 h, h2;

	name = utf16(test, "kunit-section-name", &len);
	upper = utf16(test, "KUNIT-SECTION-NAME", &len);
	ob_init_handle_table(&table);
	KUNIT_ASSERT_EQ(test, ob_name_object(&t->ob, name, len, 0, NULL), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, insert(&table, &t->ob, 0x1, 0, &h), STATUS_SUCCESS);

	KUNIT_EXPECT_EQ(test, ob_name_object(&u->ob, name, len, 0, NULL),
			STATUS_OBJECT_NAME_COLLISION);
	KUNIT_EXPECT_EQ(test, ob_name_object(&o->ob, name, len, OBJ_OPENIF, &found),
			STATUS_OBJECT_TYPE_MISMATCH);
	KUNIT_ASSERT_EQ(test, ob_name_object(&u->ob, name, len, OBJ_OPENIF, &found),
			STATUS_OBJECT_NAME_EXISTS);
	KUNIT_EXPECT_PTR_EQ(test, found, &t->ob);
	ob_dereference(found);

	KUNIT_EXPECT_EQ(test, ob_open_name(upper, len, 0, &test_type, &found),
			STATUS_OBJECT_NAME_NOT_FOUND);
	KUNIT_ASSERT_EQ(test, ob_open_name(upper, len, OBJ_CASE_INSENSITIVE, &test_type,
					   &found), STATUS_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, found, &t->ob);
	ob_dereference(found);
	KUNIT_EXPECT_EQ(test, ob_open_name(name, len, 0, &other_type, &found),
			STATUS_OBJECT_TYPE_MISMATCH);
	/* A second handle: the first's close keeps the name. */
	KUNIT_ASSERT_EQ(test, insert(&table, &t->ob, 0x1, 0, &h2), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ob_close_handle(&table, h), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, ob_open_name(name, len, 0, &test_type, &found), STATUS_SUCCESS);
	ob_dereference(found);
	/* The last handle's close takes it, though references remain. */
	KUNIT_EXPECT_EQ(test, ob_close_handle(&table, h2), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, destroyed, 0);
	KUNIT_EXPECT_EQ(test, ob_open_name(name, len, 0, &test_type, &found),
			STATUS_OBJECT_NAME_NOT_FOUND);
	/* The name is free for another object now. */
	KUNIT_EXPECT_EQ(test, ob_name_object(&u->ob, name, len, 0, NULL), STATUS_SUCCESS);
	ob_unname(&u->ob);
	KUNIT_EXPECT_EQ(test, ob_open_name(name, len, 0, &test_type, &found),
			STATUS_OBJECT_NAME_NOT_FOUND);

	ob_dereference(&t->ob);
	ob_dereference(&u->ob);
	ob_dereference(&o->ob);
	KUNIT_EXPECT_EQ(test, destroyed, 1);
	ob_close_handle_table(&table);
}

static struct kunit_case ob_test_cases[] = {
	KUNIT_CASE(handle_inheritance),
	KUNIT_CASE(handle_values),
	KUNIT_CASE(handle_references),
	KUNIT_CASE(handle_bind_and_empty),
	KUNIT_CASE(names_parse),
	KUNIT_CASE(names_live_with_handles),
	KUNIT_CASE(handle_checks_type_then_access),
	KUNIT_CASE_SLOW(handle_reuse_and_growth),
	KUNIT_CASE_SLOW(handle_lookup_races_changes),
	KUNIT_CASE(generic_mapping),
	KUNIT_CASE(wait_any_all_timeout),
	KUNIT_CASE(wait_alert_and_delay),
	{}
};

static struct kunit_suite ob_test_suite = {
	.name = "ntexec_ob",
	.test_cases = ob_test_cases,
};
kunit_test_suite(ob_test_suite);
