/*
 * hello: the classic KLD skeleton (FreeBSD Architecture Handbook,
 * "Kernel Loadable Modules": skel_loader).
 *
 * One module with an event handler: it greets on MOD_LOAD and says goodbye
 * on MOD_UNLOAD, on the terminal of whoever ran kld load / kld unload
 * (uprintf) and in the message buffer (printf); every other event is
 * answered EOPNOTSUPP, which the kernel takes as "no objection".
 *
 *	kld load hello.ko	-> Hello, world! (hello KLD loaded)
 *	kld unload hello	-> Goodbye, world! (hello KLD unloaded)
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>

static int
hello_loader(struct module *m __unused, int what, void *arg __unused)
{
	int error = 0;

	switch (what) {
	case MOD_LOAD:
		uprintf("Hello, world! (hello KLD loaded)\n");
		printf("hello: loaded\n");
		break;
	case MOD_UNLOAD:
		uprintf("Goodbye, world! (hello KLD unloaded)\n");
		printf("hello: unloaded\n");
		break;
	default:
		error = EOPNOTSUPP;
		break;
	}
	return (error);
}

static moduledata_t hello_mod = {
	"hello",
	hello_loader,
	NULL
};

DECLARE_MODULE(hello, hello_mod, SI_SUB_KLD, SI_ORDER_ANY);
MODULE_VERSION(hello, 1);
