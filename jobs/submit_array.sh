#!/bin/bash
# submit_array.sh — submit a sharded sweep and its merge in one go.
#
#   jobs/submit_array.sh CONFIG SHARDS SHARD_PREFIX STORE [extra sbatch options]
#
# Submits jobs/sweep_array.sbatch as an array of SHARDS tasks and
# jobs/merge.sbatch with --dependency=afterok on it. Prints both job ids.
set -eu
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
config=${1:?usage: submit_array.sh CONFIG SHARDS SHARD_PREFIX STORE}
shards=${2:?} prefix=${3:?} store=${4:?}
shift 4
array=$(sbatch --parsable --array=0-$((shards - 1)) "$@" "$here/sweep_array.sbatch" "$config" "$prefix")
merge=$(sbatch --parsable --dependency=afterok:"$array" "$@" "$here/merge.sbatch" "$prefix" "$shards" "$store")
echo "array job $array, merge job $merge"
