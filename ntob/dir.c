// SPDX-License-Identifier: GPL-2.0
/*
 * The object namespace: named objects in \BaseNamedObjects.
 *
 * One directory exists, \BaseNamedObjects, once per Linux IPC namespace, so
 * containers do not see each other's objects (Windows' per-session
 * directories play the same part). A name lives as long as some handle
 * names its object (NT's temporary objects): the last handle's close takes
 * the name away even while other references (a section's views) keep the
 * object. Names are UTF-16, compared exactly or, with OBJ_CASE_INSENSITIVE,
 * with ASCII and Latin-1 letters folded.
 *
 * The directory of an IPC namespace is keyed by the namespace, which must
 * not be reused while a name in it lives: each name holds a reference to
 * its namespace where the kernel exports put_ipc_ns() (6.12); on a kernel
 * that does not (6.1), only the initial namespace, which never goes away,
 * has a directory, and names elsewhere are STATUS_NOT_SUPPORTED.
 *
 * Who may open a name: its creator (the same effective uid) or a holder of
 * CAP_IPC_OWNER over the IPC namespace, as System V IPC decides; an NT
 * object's default DACL likewise grants its creator and the
 * administrators. Anyone may create a name that is free.
 *
 * Locks: ob_dir_lock (a mutex) protects the table and every object's @name;
 * LOCKING in ob.h.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hash.h>
#include <linux/ipc_namespace.h>
#include <linux/jhash.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "compat.h"
#include "ob.h"

#define OB_DIR_HASH_BITS	8

/**
 * struct ob_name - a name in a directory
 * @node: in the name table
 * @ns: the IPC namespace whose directory holds it (referenced where the
 *	kernel allows, see the top of this file)
 * @obj: the object (not referenced: the object holds the name and drops it
 *	before it goes)
 * @owner: the creator's effective uid
 * @hash: hash of the case-folded name
 * @len: UTF-16 units in @name
 * @name: the leaf name as given at creation
 */
struct ob_name {
	struct hlist_node node;
	struct ipc_namespace *ns;
	struct ob_object *obj;
	kuid_t owner;
	u32 hash;
	u32 len;
	u16 name[];
};

static DEFINE_MUTEX(ob_dir_lock);
static struct hlist_head ob_dir_table[1 << OB_DIR_HASH_BITS];

static const u16 ob_base_named_objects[] = {
	'B', 'a', 's', 'e', 'N', 'a', 'm', 'e', 'd', 'O', 'b', 'j', 'e', 'c', 't', 's',
};

/* Fold ASCII and Latin-1 letters to upper case, as NT's upcase table does for them. */
static u16 ob_upcase(u16 c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 'A';
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return c - 0x20;
	if (c == 0xff)
		return 0x178;
	return c;
}

static bool ob_name_eq(const u16 *a, const u16 *b, u32 len, bool fold)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i] && (!fold || ob_upcase(a[i]) != ob_upcase(b[i])))
			return false;
	return true;
}

static u32 ob_name_hash(const u16 *name, u32 len)
{
	u32 h = 0, i;

	for (i = 0; i < len; i++)
		h = jhash_1word(ob_upcase(name[i]), h);
	return h;
}

/**
 * ob_parse_name() - split an object name into its directory and leaf
 * @path: the UTF-16 name from OBJECT_ATTRIBUTES (not NUL-terminated)
 * @len: its length in units
 * @attributes: OBJ_CASE_INSENSITIVE matters
 * @leaf: out: where the leaf starts in @path
 * @leaf_len: out: its length
 *
 * Only \BaseNamedObjects\<leaf> is a known path.
 *
 * Return: STATUS_SUCCESS, STATUS_OBJECT_PATH_SYNTAX_BAD (no leading
 * backslash), STATUS_OBJECT_NAME_INVALID (an empty leaf, or a name that
 * is a directory), STATUS_OBJECT_PATH_NOT_FOUND (another directory, or a
 * subdirectory of \BaseNamedObjects).
 */
ntstatus_t ob_parse_name(const u16 *path, u32 len, u32 attributes,
			 const u16 **leaf, u32 *leaf_len)
{
	const u32 dir_len = ARRAY_SIZE(ob_base_named_objects);
	bool fold = attributes & OBJ_CASE_INSENSITIVE;
	u32 i;

	if (!len || path[0] != '\\')
		return STATUS_OBJECT_PATH_SYNTAX_BAD;
	if (len == 1)
		return STATUS_OBJECT_NAME_INVALID;	/* the root directory */
	for (i = 1; i < len && path[i] != '\\'; i++)
		;
	if (i - 1 != dir_len || !ob_name_eq(path + 1, ob_base_named_objects, dir_len, fold))
		return STATUS_OBJECT_PATH_NOT_FOUND;
	if (i == len)
		return STATUS_OBJECT_NAME_INVALID;	/* the directory itself */
	*leaf = path + i + 1;
	*leaf_len = len - i - 1;
	if (!*leaf_len)
		return STATUS_OBJECT_NAME_INVALID;
	for (i = 0; i < *leaf_len; i++)
		if ((*leaf)[i] == '\\')
			return STATUS_OBJECT_PATH_NOT_FOUND;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ob_parse_name);

/* The caller's IPC namespace, if it may hold names here. */
static struct ipc_namespace *ob_current_ns(void)
{
	struct ipc_namespace *ns = current->nsproxy ? current->nsproxy->ipc_ns : NULL;

	if (!ns)
		return NULL;
	if (ns != ntx_init_ipc_ns() && !NTX_HAVE_PUT_IPC_NS)
		return NULL;
	return ns;
}

/* Whether the caller may open what a name names (top of this file). */
static bool ob_may_open(struct ob_name *n)
{
	return uid_eq(n->owner, current_euid()) ||
	       ns_capable(n->ns->user_ns, CAP_IPC_OWNER);
}

static struct ob_name *ob_find(struct ipc_namespace *ns, const u16 *leaf, u32 len,
			       u32 hash, bool fold)
{
	struct ob_name *n;

	lockdep_assert_held(&ob_dir_lock);
	hlist_for_each_entry(n, &ob_dir_table[hash_32(hash, OB_DIR_HASH_BITS)], node)
		if (n->ns == ns && n->hash == hash && n->len == len &&
		    ob_name_eq(n->name, leaf, len, fold))
			return n;
	return NULL;
}

/**
 * ob_name_object() - give a new object a name, or find the object that has it
 * @obj: the new object, not yet named and with no handle
 * @leaf: the leaf name (ob_parse_name())
 * @len: its length
 * @attributes: OBJ_CASE_INSENSITIVE, OBJ_OPENIF
 * @existing: out: with OBJ_OPENIF, the referenced object that has the name
 *
 * The name lives until the object's last handle closes, so the caller
 * must give @obj a handle at once (ob_insert_handle()).
 *
 * Return: STATUS_SUCCESS (@obj named), STATUS_OBJECT_NAME_EXISTS (OBJ_OPENIF,
 * *@existing set; NT_SUCCESS is true), STATUS_OBJECT_NAME_COLLISION,
 * STATUS_OBJECT_TYPE_MISMATCH (OBJ_OPENIF, another type has the name),
 * STATUS_ACCESS_DENIED (OBJ_OPENIF, the caller may not open it),
 * STATUS_NOT_SUPPORTED (see the top of this file), STATUS_NO_MEMORY.
 */
ntstatus_t ob_name_object(struct ob_object *obj, const u16 *leaf, u32 len,
			  u32 attributes, struct ob_object **existing)
{
	bool fold = attributes & OBJ_CASE_INSENSITIVE;
	struct ipc_namespace *ns = ob_current_ns();
	u32 hash = ob_name_hash(leaf, len);
	struct ob_name *n, *old;
	ntstatus_t status;

	if (!ns)
		return STATUS_NOT_SUPPORTED;
	/* Its handles are not counted: its name would never go. */
	if (WARN_ON_ONCE(obj->type->uncounted))
		return STATUS_NOT_SUPPORTED;
	n = kmalloc(struct_size(n, name, len), GFP_KERNEL_ACCOUNT);
	if (!n)
		return STATUS_NO_MEMORY;
	memcpy(n->name, leaf, len * sizeof(u16));
	n->len = len;
	n->hash = hash;
	n->obj = obj;
	n->ns = ns;
	n->owner = current_euid();

	mutex_lock(&ob_dir_lock);
	old = ob_find(ns, leaf, len, hash, fold);
	if (!old) {
		ntx_get_ipc_ns(ns);
		hlist_add_head(&n->node, &ob_dir_table[hash_32(hash, OB_DIR_HASH_BITS)]);
		obj->name = n;
		mutex_unlock(&ob_dir_lock);
		return STATUS_SUCCESS;
	}
	if (!(attributes & OBJ_OPENIF))
		status = STATUS_OBJECT_NAME_COLLISION;
	else if (old->obj->type != obj->type)
		status = STATUS_OBJECT_TYPE_MISMATCH;
	else if (!ob_may_open(old))
		status = STATUS_ACCESS_DENIED;
	else if (!ob_reference_unless_zero(old->obj))
		status = STATUS_OBJECT_NAME_COLLISION;	/* going: as if just taken */
	else
		status = STATUS_OBJECT_NAME_EXISTS;
	if (status == STATUS_OBJECT_NAME_EXISTS)
		*existing = old->obj;
	mutex_unlock(&ob_dir_lock);
	kfree(n);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ob_name_object);

/**
 * ob_open_name() - the object a name names
 * @leaf: the leaf name (ob_parse_name())
 * @len: its length
 * @attributes: OBJ_CASE_INSENSITIVE
 * @type: the type the object must have
 * @obj: out: the referenced object
 *
 * Return: STATUS_SUCCESS, STATUS_OBJECT_NAME_NOT_FOUND,
 * STATUS_OBJECT_TYPE_MISMATCH, STATUS_ACCESS_DENIED (not the caller's, see
 * the top of this file).
 */
ntstatus_t ob_open_name(const u16 *leaf, u32 len, u32 attributes,
			const struct ob_type *type, struct ob_object **obj)
{
	struct ipc_namespace *ns = ob_current_ns();
	ntstatus_t status = STATUS_OBJECT_NAME_NOT_FOUND;
	struct ob_name *n;

	if (!ns)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	mutex_lock(&ob_dir_lock);
	n = ob_find(ns, leaf, len, ob_name_hash(leaf, len),
		    attributes & OBJ_CASE_INSENSITIVE);
	if (n && n->obj->type != type) {
		status = STATUS_OBJECT_TYPE_MISMATCH;
	} else if (n && !ob_may_open(n)) {
		status = STATUS_ACCESS_DENIED;
	} else if (n && ob_reference_unless_zero(n->obj)) {
		*obj = n->obj;
		status = STATUS_SUCCESS;
	}
	mutex_unlock(&ob_dir_lock);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ob_open_name);

/**
 * ob_unname() - take an object's name away
 * @obj: the object; its last handle was closed, or it is going
 *
 * Context: process context (the directory lock is a mutex).
 */
void ob_unname(struct ob_object *obj)
{
	struct ob_name *n;

	mutex_lock(&ob_dir_lock);
	n = obj->name;
	/* A handle made since the count reached zero keeps the name. */
	if (n && !atomic_read(&obj->handles)) {
		hlist_del(&n->node);
		obj->name = NULL;
	} else {
		n = NULL;
	}
	mutex_unlock(&ob_dir_lock);
	if (n) {
		ntx_put_ipc_ns(n->ns);
		kfree(n);
	}
}
EXPORT_SYMBOL_IF_KUNIT(ob_unname);
