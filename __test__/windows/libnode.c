/* An empty libnode.dll for the cross build only. napi-build 2.6 insists on linking a
 * libnode.dll for *-windows-gnu targets (LIBNODE_PATH); the addon is built with napi's
 * `dyn-symbols`, which looks Node-API up in the host process at load, so nothing is
 * imported from this file and the built .node does not name it. */
int registry_logout_libnode_placeholder;
