/* ls.c - list directories (default ".") in sorted order, one name a line.
 * Usage: ls [-l] [-a] [PATH...].  -l adds the mode and size of each entry,
 * -a shows names starting with '.'.  A PATH that is not a directory is listed
 * by itself.  The names come from opendir/readdir (getdents64 underneath) and
 * the details from fstatat on the directory's descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool opt_long, opt_all;

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print one entry; dirfd/name locate it for fstatat. */
static void print_entry(int dirfd, const char *name)
{
	static const char rwx[] = "rwxrwxrwx";
	struct stat st;
	char mode[11];

	if (!opt_long) {
		printf("%s\n", name);
		return;
	}
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		printf("?????????? %10s %s\n", "?", name);
		return;
	}
	mode[0] = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : S_ISCHR(st.st_mode) ? 'c' : '-';
	for (int i = 0; i < 9; i++)
		mode[i + 1] = st.st_mode & (0400 >> i) ? rwx[i] : '-';
	mode[10] = '\0';
	printf("%s %10lld %s\n", mode, (long long)st.st_size, name);
}

/* List one directory; returns 0 or 1 (error). */
static int list_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!dir) {
		if (errno == ENOTDIR) { /* a file: list just its name */
			print_entry(AT_FDCWD, path);
			return 0;
		}
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' && !opt_all)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
		}
		if (!names || !(names[n++] = strdup(de->d_name))) {
			fprintf(stderr, "ls: out of memory\n");
			exit(1);
		}
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		print_entry(dirfd(dir), names[i]);
		free(names[i]);
	}
	free(names);
	closedir(dir);
	return 0;
}

int main(int argc, char **argv)
{
	int i, status = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *p = argv[i] + 1; *p; p++) {
			if (*p == 'l')
				opt_long = true;
			else if (*p == 'a')
				opt_all = true;
			else {
				fprintf(stderr, "usage: ls [-l] [-a] [PATH...]\n");
				return 2;
			}
		}
	}
	if (i == argc)
		return list_dir(".");
	for (int first = i; i < argc; i++) {
		if (argc - first > 1)
			printf("%s%s:\n", i > first ? "\n" : "", argv[i]);
		status |= list_dir(argv[i]);
	}
	return status;
}
