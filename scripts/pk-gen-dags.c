/*
 * pk-gen-dags - writes N synthetic Airflow DAG files of 50-200 lines in
 * varied authoring styles (seeded, reproducible), for dagcheck's benchmark.
 *
 * usage: pk-gen-dags [-n N] [-s SEED] DIR
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* xorshift64*: small, fast, reproducible across platforms */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static int
pick(int lo, int hi)
{
	return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

static const char *const ops[] = { "BashOperator", "PythonOperator", "EmptyOperator" };

static void
header(FILE *f, int style)
{
	fprintf(f, "\"\"\"Generated DAG for the dagcheck benchmark (style %d).\"\"\"\n", style);
	fprintf(f, "from datetime import datetime, timedelta\n\n");
	if (style == 1) {
		fprintf(f, "from airflow import DAG\n");
		fprintf(f, "from airflow.operators.bash_operator import BashOperator\n");
		fprintf(f, "from airflow.operators.python_operator import PythonOperator\n");
		fprintf(f, "from airflow.operators.dummy_operator import DummyOperator as EmptyOperator\n\n");
	} else if (style == 2) {
		fprintf(f, "from airflow.decorators import dag, task, task_group\n");
		fprintf(f, "from airflow.operators.bash import BashOperator\n\n");
	} else {
		fprintf(f, "from airflow import DAG\n");
		fprintf(f, "from airflow.models.baseoperator import chain\n");
		fprintf(f, "from airflow.operators.bash import BashOperator\n");
		fprintf(f, "from airflow.operators.empty import EmptyOperator\n");
		fprintf(f, "from airflow.operators.python import PythonOperator\n");
		fprintf(f, "from airflow.utils.task_group import TaskGroup\n\n");
	}
	fprintf(f, "DEFAULT_ARGS = {\n    \"owner\": \"team_%d\",\n    \"retries\": %d,\n"
	    "    \"retry_delay\": timedelta(minutes=%d),\n}\n\n", pick(1, 9), pick(0, 3), pick(1, 30));
	fprintf(f, "\ndef _callable(**context):\n    \"\"\"Do the work.\"\"\"\n"
	    "    value = context.get(\"ds\", \"\")\n    return f\"done {value}\"\n\n");
}

static int
gen(const char *path, int idx)
{
	char *mem = NULL;
	size_t memn = 0, k;
	FILE *f = open_memstream(&mem, &memn), *out;
	int style = pick(0, 3), target = pick(50, 200), lines = 0, t = 0, g = 0, real = 0;

	if (f == NULL)
		return -1;
	header(f, style == 3 ? 0 : style);
	lines = 22;
	if (style == 2) {
		fprintf(f, "@dag(dag_id=\"gen_%d\", schedule=\"@daily\", start_date=datetime(2024, 1, 1),\n"
		    "     catchup=False, default_args=DEFAULT_ARGS, tags=[\"generated\"])\ndef gen_%d():\n",
		    idx, idx);
		lines += 3;
		while (lines < target - 4) {
			fprintf(f, "    @task(retries=%d)\n    def step_%d(x=None):\n"
			    "        return {\"step\": %d, \"input\": x}\n\n", pick(0, 3), t, t);
			if (t == 0)
				fprintf(f, "    out_%d = step_%d()\n", t, t);
			else
				fprintf(f, "    out_%d = step_%d(out_%d)\n", t, t, pick(0, t - 1));
			fprintf(f, "    check_%d = BashOperator(task_id=\"check_%d\", bash_command=\"echo {{ ds }}\")\n"
			    "    out_%d >> check_%d\n\n", t, t, t, t);
			lines += 9;
			t++;
		}
		fprintf(f, "\ngen_%d()\n", idx);
	} else {
		if (style == 1)
			fprintf(f, "dag = DAG(\"gen_%d\", default_args=DEFAULT_ARGS, schedule_interval=\"@hourly\",\n"
			    "          start_date=datetime(2024, 1, 1))\n\n", idx);
		else
			fprintf(f, "with DAG(\n    dag_id=\"gen_%d\",\n    default_args=DEFAULT_ARGS,\n"
			    "    schedule=\"0 %d * * *\",\n    start_date=datetime(2024, 1, 1),\n"
			    "    catchup=False,\n) as dag:\n", idx, pick(0, 23));
		lines += 7;
		{
			const char *ind = style == 1 ? "" : "    ";
			const char *dagarg = style == 1 ? ", dag=dag" : "";

			fprintf(f, "%sstart = EmptyOperator(task_id=\"start\"%s)\n", ind, dagarg);
			lines++;
			while (lines < target - 3) {
				int kind = pick(0, 4);

				if (kind == 0 && style != 1) {
					fprintf(f, "%swith TaskGroup(\"group_%d\") as tg_%d:\n", ind, g, g);
					fprintf(f, "%s    for part in [\"a\", \"b\", \"c\"]:\n", ind);
					fprintf(f, "%s        BashOperator(task_id=f\"load_{part}\", bash_command=f\"load {part}\","
					    " pool=\"pool_%d\")\n", ind, pick(1, 3));
					fprintf(f, "%sstart >> tg_%d\n", ind, g);
					lines += 4;
					g++;
				} else if (kind == 1) {
					fprintf(f, "%st%d = PythonOperator(\n%s    task_id=\"t%d\",\n%s    python_callable=_callable,\n"
					    "%s    execution_timeout=timedelta(minutes=%d)%s,\n%s)\n", ind, t, ind, t, ind, ind,
					    pick(5, 90), dagarg, ind);
					fprintf(f, "%sstart >> t%d\n", ind, t);
					lines += 7;
					t++;
				} else {
					const char *op = ops[pick(0, 2)];

					if (strcmp(op, "PythonOperator") == 0)
						fprintf(f, "%st%d = %s(task_id=\"t%d\", python_callable=_callable%s)\n", ind, t, op, t,
						    dagarg);
					else if (strcmp(op, "BashOperator") == 0)
						fprintf(f, "%st%d = %s(task_id=\"t%d\", bash_command=\"run.sh %d\"%s)\n", ind, t, op, t,
						    t, dagarg);
					else
						fprintf(f, "%st%d = %s(task_id=\"t%d\"%s)\n", ind, t, op, t, dagarg);
					if (t > 0)
						fprintf(f, "%st%d >> t%d\n", ind, pick(0, t - 1), t);
					else
						fprintf(f, "%sstart >> t%d\n", ind, t);
					lines += 2;
					t++;
				}
			}
			if (style == 0)
				fprintf(f, "%schain(EmptyOperator(task_id=\"c0\"), [EmptyOperator(task_id=\"c1\"), "
				    "EmptyOperator(task_id=\"c2\")], EmptyOperator(task_id=\"c3\"))\n", ind);
			else
				fprintf(f, "%s# end of generated tasks\n", ind);
		}
	}
	if (fclose(f) != 0)
		return -1;
	for (k = 0; k < memn; k++)
		real += mem[k] == '\n';
	out = fopen(path, "w");
	if (out == NULL) {
		free(mem);
		return -1;
	}
	fwrite(mem, 1, memn, out);
	/* the estimate above is rough: pad with comments to the drawn length */
	for (; real < target; real++)
		fprintf(out, "# padding line %d\n", real);
	free(mem);
	return fclose(out) != 0 ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	long n = 2000;
	unsigned long long seed = 42;
	int opt, i;
	char path[4096];

	while ((opt = getopt(argc, argv, "n:s:h")) != -1) {
		switch (opt) {
		case 'n': n = strtol(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: pk-gen-dags [-n N] [-s SEED] DIR\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1 || n < 0 || n > 10000000) {
		fprintf(stderr, "usage: pk-gen-dags [-n N] [-s SEED] DIR\n");
		return 2;
	}
	rng_state = seed * 2654435761ULL + 0x9E3779B97F4A7C15ULL;
	if (mkdir(argv[optind], 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "pk-gen-dags: '%s': %s\n", argv[optind], strerror(errno));
		return 4;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/dag_%05d.py", argv[optind], i);
		if (gen(path, i) != 0) {
			fprintf(stderr, "pk-gen-dags: '%s': %s\n", path, strerror(errno));
			return 4;
		}
	}
	return 0;
}
