/* SPDX-License-Identifier: MIT */
/*
 * Counts the zombies in this PID namespace, read from /proc, and prints
 * one line "zombies=N procs=M" (then one line per zombie: pid, parent).
 * Run with `docker exec`, it is the container's own view: `docker top`
 * lists a cgroup's members, and on cgroup v1 a zombie has already left
 * its cgroup, so docker top never shows one.
 * Usage: zombies      (exit 0 iff there is none)
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

int
main(void)
{
	char list[4096] = "";
	size_t used = 0;
	int zombies = 0, procs = 0;
	struct dirent *e;
	DIR *d;

	if ((d = opendir("/proc")) == NULL) {
		perror("zombies: /proc");
		return 2;
	}
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512], *p;
		int ppid = 0;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		/* "pid (comm) S ppid ...": comm may hold spaces and ')'. */
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL && p[1] == ' ') {
			procs++;
			if (p[2] == 'Z') {
				zombies++;
				sscanf(p + 3, "%d", &ppid);
				if (used + 64 < sizeof(list))
					used += (size_t)snprintf(list + used,
					    sizeof(list) - used,
					    "zombie pid=%s ppid=%d\n",
					    e->d_name, ppid);
			}
		}
		fclose(f);
	}
	closedir(d);
	printf("zombies=%d procs=%d\n%s", zombies, procs, list);
	return zombies == 0 ? 0 : 1;
}
