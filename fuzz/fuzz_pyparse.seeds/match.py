# match statements (3.10+): patterns of every kind, soft keywords as names, tasks in case bodies
import re
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

match = re.match(r"(\w+)-(\w+)", "prod-eu")
case = match.group(1) if match else "dev"
match(case)
match[0:1] = [case]

with DAG("match_seed", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    start = BashOperator(task_id="start", bash_command="true")
    match case, *rest:
        case ["prod" | "staging" as env, *_] if env != "dev":
            load = BashOperator(task_id=f"load_{env}", bash_command="load")
            start >> load
        case (1 | -2 | 3.5 - 4j | 0x1F, b"raw", "s" "t", None | True | False):
            pass
        case {"region": region, dag.dag_id: [x, (y,)], **rest} if (n := len(rest)) > 1:
            start >> BashOperator(task_id="region", bash_command=region)
        case Point(0, y=_) | datetime(year=2024, month=m) as when:
            pass
        case match, case, *_:
            pass
        case []|()|{}:
            pass
        case _:
            with DAG("fallback", start_date=datetime(2024, 1, 1), schedule=None):
                BashOperator(task_id="noop", bash_command="true")
