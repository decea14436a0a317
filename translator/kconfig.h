/* The kernel's build configuration, for CONFIG_* in preprocessor
 * conditions: /proc/config.gz for the running kernel, /boot/config-KREL or
 * DIR/.config for -r. Loaded lazily on the first lookup. */
#ifndef BTAP_KCONFIG_H
#define BTAP_KCONFIG_H

#include <stdbool.h>
#include <stdint.h>

struct kconfig;

/* release: NULL for the running kernel, a release name, or a build dir. */
struct kconfig *kconfig_new(const char *release);
void kconfig_free(struct kconfig *kc);
/* Value of CONFIG_NAME ("y", "m", "250", "\"str\"") or NULL when unset.
 * Matches the pp_config.config_lookup signature. */
const char *kconfig_lookup(const char *name, void *kc);
/* Was a configuration found at all (else every lookup is NULL)? */
bool kconfig_known(struct kconfig *kc);
/* CONFIG_HZ, or 250 when it is unknown. */
int64_t kconfig_hz(struct kconfig *kc);

#endif
