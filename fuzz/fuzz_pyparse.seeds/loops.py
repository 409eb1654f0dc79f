# Tasks made in for loops over literal lists, tuples, dict items and ranges, f-string ids.
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

TABLES = ["users", "orders", "events"]
REGIONS = {"eu": "eu-west-1", "us": "us-east-1"}

with DAG("loops", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    done = EmptyOperator(task_id="done")
    for table in TABLES:
        copy = BashOperator(task_id=f"copy_{table}", bash_command=f"copy {table}")
        check = BashOperator(task_id="check_{}".format(table), bash_command="check")
        copy >> check >> done
    for region, name in REGIONS.items():
        BashOperator(task_id="sync_" + region, bash_command=name) >> done
    for i in range(3):
        BashOperator(task_id=f"shard_{i:02d}", bash_command="shard") >> done
