"""Run under torchrun by test_teardown: start the process group the way training does, leave a
collective in flight and exit without any explicit clean-up (the at-exit teardown must do it)."""

import torch
import torch.distributed as dist

from personageo.train.setup import init_deepspeed_distributed

if __name__ == "__main__":
    init_deepspeed_distributed(use_cpu=True)
    dist.all_reduce(torch.ones(4096), async_op=True)  # still in flight when the script ends
