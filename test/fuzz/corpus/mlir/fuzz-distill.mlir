module @fuzz {
  simclr.parameter @teacher.conv1.weight : tensor<2x1x3x3xf32> {frozen, group = "teacher.backbone", init = "variance_scaling"}
  simclr.parameter @teacher.bn1.weight : tensor<2xf32> {frozen, group = "teacher.backbone", init = "ones"}
  simclr.parameter @teacher.bn1.bias : tensor<2xf32> {frozen, group = "teacher.backbone", init = "zeros"}
  simclr.state @teacher.bn1.running_mean : tensor<2xf32> {group = "teacher.backbone", init = "zeros"}
  simclr.state @teacher.bn1.running_var : tensor<2xf32> {group = "teacher.backbone", init = "ones"}
  simclr.parameter @teacher.layer1.0.conv1.weight : tensor<2x2x3x3xf32> {frozen, group = "teacher.backbone", init = "variance_scaling"}
  simclr.parameter @teacher.layer1.0.bn1.weight : tensor<2xf32> {frozen, group = "teacher.backbone", init = "ones"}
  simclr.parameter @teacher.layer1.0.bn1.bias : tensor<2xf32> {frozen, group = "teacher.backbone", init = "zeros"}
  simclr.state @teacher.layer1.0.bn1.running_mean : tensor<2xf32> {group = "teacher.backbone", init = "zeros"}
  simclr.state @teacher.layer1.0.bn1.running_var : tensor<2xf32> {group = "teacher.backbone", init = "ones"}
  simclr.parameter @teacher.layer1.0.conv2.weight : tensor<2x2x3x3xf32> {frozen, group = "teacher.backbone", init = "variance_scaling"}
  simclr.parameter @teacher.layer1.0.bn2.weight : tensor<2xf32> {frozen, group = "teacher.backbone", init = "zeros"}
  simclr.parameter @teacher.layer1.0.bn2.bias : tensor<2xf32> {frozen, group = "teacher.backbone", init = "zeros"}
  simclr.state @teacher.layer1.0.bn2.running_mean : tensor<2xf32> {group = "teacher.backbone", init = "zeros"}
  simclr.state @teacher.layer1.0.bn2.running_var : tensor<2xf32> {group = "teacher.backbone", init = "ones"}
  simclr.parameter @teacher.head.0.fc.weight : tensor<4x2xf32> {frozen, group = "teacher.head", init = "normal", init_std = 1.000000e-02 : f64}
  simclr.parameter @teacher.head.0.bn.weight : tensor<4xf32> {frozen, group = "teacher.head", init = "ones"}
  simclr.state @teacher.head.0.bn.running_mean : tensor<4xf32> {group = "teacher.head", init = "zeros"}
  simclr.state @teacher.head.0.bn.running_var : tensor<4xf32> {group = "teacher.head", init = "ones"}
  simclr.parameter @teacher.fc.weight : tensor<8x4xf32> {frozen, group = "teacher.classifier", init = "normal", init_std = 1.000000e-02 : f64}
  simclr.parameter @teacher.fc.bias : tensor<8xf32> {frozen, group = "teacher.classifier", init = "zeros"}
  simclr.parameter @conv1.weight : tensor<2x1x3x3xf32> {group = "backbone", init = "variance_scaling"}
  simclr.parameter @bn1.weight : tensor<2xf32> {group = "backbone", init = "ones"}
  simclr.parameter @bn1.bias : tensor<2xf32> {group = "backbone", init = "zeros"}
  simclr.state @bn1.running_mean : tensor<2xf32> {group = "backbone", init = "zeros"}
  simclr.state @bn1.running_var : tensor<2xf32> {group = "backbone", init = "ones"}
  simclr.parameter @layer1.0.conv1.weight : tensor<2x2x3x3xf32> {group = "backbone", init = "variance_scaling"}
  simclr.parameter @layer1.0.bn1.weight : tensor<2xf32> {group = "backbone", init = "ones"}
  simclr.parameter @layer1.0.bn1.bias : tensor<2xf32> {group = "backbone", init = "zeros"}
  simclr.state @layer1.0.bn1.running_mean : tensor<2xf32> {group = "backbone", init = "zeros"}
  simclr.state @layer1.0.bn1.running_var : tensor<2xf32> {group = "backbone", init = "ones"}
  simclr.parameter @layer1.0.conv2.weight : tensor<2x2x3x3xf32> {group = "backbone", init = "variance_scaling"}
  simclr.parameter @layer1.0.bn2.weight : tensor<2xf32> {group = "backbone", init = "zeros"}
  simclr.parameter @layer1.0.bn2.bias : tensor<2xf32> {group = "backbone", init = "zeros"}
  simclr.state @layer1.0.bn2.running_mean : tensor<2xf32> {group = "backbone", init = "zeros"}
  simclr.state @layer1.0.bn2.running_var : tensor<2xf32> {group = "backbone", init = "ones"}
  simclr.parameter @head.0.fc.weight : tensor<4x2xf32> {group = "head", init = "normal", init_std = 1.000000e-02 : f64}
  simclr.parameter @head.0.bn.weight : tensor<4xf32> {group = "head", init = "ones"}
  simclr.state @head.0.bn.running_mean : tensor<4xf32> {group = "head", init = "zeros"}
  simclr.state @head.0.bn.running_var : tensor<4xf32> {group = "head", init = "ones"}
  simclr.parameter @fc.weight : tensor<8x4xf32> {group = "classifier", init = "normal", init_std = 1.000000e-02 : f64}
  simclr.parameter @fc.bias : tensor<8xf32> {group = "classifier", init = "zeros"}
  func.func @train_step(%arg0: tensor<2x1x8x8xf32>) -> (tensor<f32>, tensor<f32>) attributes {simclr.augment = {blur = false, color_strength = 1.000000e+00 : f64, crop_min_area = 8.000000e-02 : f64, flip = true}, simclr.input = {batch_size = 2 : i64, channels = 1 : i64, height = 8 : i64, num_classes = 8 : i64, views = 1 : i64, width = 8 : i64}, simclr.loss = {kind = "distillation", scale_by_temperature_squared = false, temperature = 1.000000e+00 : f64}, simclr.optimizer = {epochs = 6.000000e+01 : f64, kind = "lars", learning_rate = 5.000000e-03 : f64, lr_scaling = "sqrt", momentum = 9.000000e-01 : f64, nesterov = false, trust_coefficient = 1.000000e-03 : f64, warmup_epochs = 0.000000e+00 : f64, weight_decay = 0.000000e+00 : f64}, simclr.stage = "distill"} {
    %0 = simclr.load @teacher.conv1.weight : tensor<2x1x3x3xf32>
    %1 = simclr.conv2d %arg0, %0 stride [1, 1] padding [1, 1, 1, 1] : tensor<2x1x8x8xf32>, tensor<2x1x3x3xf32> -> tensor<2x2x8x8xf32>
    %2 = simclr.load @teacher.bn1.weight : tensor<2xf32>
    %3 = simclr.load @teacher.bn1.bias : tensor<2xf32>
    %4 = simclr.load @teacher.bn1.running_mean : tensor<2xf32>
    %5 = simclr.load @teacher.bn1.running_var : tensor<2xf32>
    %6 = simclr.batch_norm_infer %1 scale %2 offset %3 stats %4, %5 : tensor<2x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    %7 = simclr.relu %6 : tensor<2x2x8x8xf32>
    %8 = simclr.load @teacher.layer1.0.conv1.weight : tensor<2x2x3x3xf32>
    %9 = simclr.conv2d %7, %8 stride [1, 1] padding [1, 1, 1, 1] : tensor<2x2x8x8xf32>, tensor<2x2x3x3xf32> -> tensor<2x2x8x8xf32>
    %10 = simclr.load @teacher.layer1.0.bn1.weight : tensor<2xf32>
    %11 = simclr.load @teacher.layer1.0.bn1.bias : tensor<2xf32>
    %12 = simclr.load @teacher.layer1.0.bn1.running_mean : tensor<2xf32>
    %13 = simclr.load @teacher.layer1.0.bn1.running_var : tensor<2xf32>
    %14 = simclr.batch_norm_infer %9 scale %10 offset %11 stats %12, %13 : tensor<2x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    %15 = simclr.relu %14 : tensor<2x2x8x8xf32>
    %16 = simclr.load @teacher.layer1.0.conv2.weight : tensor<2x2x3x3xf32>
    %17 = simclr.conv2d %15, %16 stride [1, 1] padding [1, 1, 1, 1] : tensor<2x2x8x8xf32>, tensor<2x2x3x3xf32> -> tensor<2x2x8x8xf32>
    %18 = simclr.load @teacher.layer1.0.bn2.weight : tensor<2xf32>
    %19 = simclr.load @teacher.layer1.0.bn2.bias : tensor<2xf32>
    %20 = simclr.load @teacher.layer1.0.bn2.running_mean : tensor<2xf32>
    %21 = simclr.load @teacher.layer1.0.bn2.running_var : tensor<2xf32>
    %22 = simclr.batch_norm_infer %17 scale %18 offset %19 stats %20, %21 : tensor<2x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    %23 = simclr.add %22, %7 : tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32> -> tensor<2x2x8x8xf32>
    %24 = simclr.relu %23 : tensor<2x2x8x8xf32>
    %25 = simclr.global_avg_pool %24 : tensor<2x2x8x8xf32> -> tensor<2x2xf32>
    %26 = simclr.load @teacher.head.0.fc.weight : tensor<4x2xf32>
    %27 = simclr.dense %25, %26 : tensor<2x2xf32>, tensor<4x2xf32> -> tensor<2x4xf32>
    %28 = simclr.load @teacher.head.0.bn.weight : tensor<4xf32>
    %29 = simclr.load @teacher.head.0.bn.running_mean : tensor<4xf32>
    %30 = simclr.load @teacher.head.0.bn.running_var : tensor<4xf32>
    %31 = simclr.batch_norm_infer %27 scale %28 stats %29, %30 : tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    %32 = simclr.load @teacher.fc.weight : tensor<8x4xf32>
    %33 = simclr.load @teacher.fc.bias : tensor<8xf32>
    %34 = simclr.dense %31, %32, %33 : tensor<2x4xf32>, tensor<8x4xf32>, tensor<8xf32> -> tensor<2x8xf32>
    %35 = simclr.load @conv1.weight : tensor<2x1x3x3xf32>
    %36 = simclr.conv2d %arg0, %35 stride [1, 1] padding [1, 1, 1, 1] : tensor<2x1x8x8xf32>, tensor<2x1x3x3xf32> -> tensor<2x2x8x8xf32>
    %37 = simclr.load @bn1.weight : tensor<2xf32>
    %38 = simclr.load @bn1.bias : tensor<2xf32>
    %39 = simclr.load @bn1.running_mean : tensor<2xf32>
    %40 = simclr.load @bn1.running_var : tensor<2xf32>
    %output, %new_running_mean, %new_running_var = simclr.batch_norm_train %36 scale %37 offset %38 running %39, %40 {cross_replica} : tensor<2x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    simclr.store %new_running_mean, @bn1.running_mean : tensor<2xf32>
    simclr.store %new_running_var, @bn1.running_var : tensor<2xf32>
    %41 = simclr.relu %output : tensor<2x2x8x8xf32>
    %42 = simclr.load @layer1.0.conv1.weight : tensor<2x2x3x3xf32>
    %43 = simclr.conv2d %41, %42 stride [1, 1] padding [1, 1, 1, 1] : tensor<2x2x8x8xf32>, tensor<2x2x3x3xf32> -> tensor<2x2x8x8xf32>
    %44 = simclr.load @layer1.0.bn1.weight : tensor<2xf32>
    %45 = simclr.load @layer1.0.bn1.bias : tensor<2xf32>
    %46 = simclr.load @layer1.0.bn1.running_mean : tensor<2xf32>
    %47 = simclr.load @layer1.0.bn1.running_var : tensor<2xf32>
    %output_0, %new_running_mean_1, %new_running_var_2 = simclr.batch_norm_train %43 scale %44 offset %45 running %46, %47 {cross_replica} : tensor<2x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    simclr.store %new_running_mean_1, @layer1.0.bn1.running_mean : tensor<2xf32>
    simclr.store %new_running_var_2, @layer1.0.bn1.running_var : tensor<2xf32>
    %48 = simclr.relu %output_0 : tensor<2x2x8x8xf32>
    %49 = simclr.load @layer1.0.conv2.weight : tensor<2x2x3x3xf32>
    %50 = simclr.conv2d %48, %49 stride [1, 1] padding [1, 1, 1, 1] : tensor<2x2x8x8xf32>, tensor<2x2x3x3xf32> -> tensor<2x2x8x8xf32>
    %51 = simclr.load @layer1.0.bn2.weight : tensor<2xf32>
    %52 = simclr.load @layer1.0.bn2.bias : tensor<2xf32>
    %53 = simclr.load @layer1.0.bn2.running_mean : tensor<2xf32>
    %54 = simclr.load @layer1.0.bn2.running_var : tensor<2xf32>
    %output_3, %new_running_mean_4, %new_running_var_5 = simclr.batch_norm_train %50 scale %51 offset %52 running %53, %54 {cross_replica} : tensor<2x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    simclr.store %new_running_mean_4, @layer1.0.bn2.running_mean : tensor<2xf32>
    simclr.store %new_running_var_5, @layer1.0.bn2.running_var : tensor<2xf32>
    %55 = simclr.add %output_3, %41 : tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32> -> tensor<2x2x8x8xf32>
    %56 = simclr.relu %55 : tensor<2x2x8x8xf32>
    %57 = simclr.global_avg_pool %56 : tensor<2x2x8x8xf32> -> tensor<2x2xf32>
    %58 = simclr.load @head.0.fc.weight : tensor<4x2xf32>
    %59 = simclr.dense %57, %58 : tensor<2x2xf32>, tensor<4x2xf32> -> tensor<2x4xf32>
    %60 = simclr.load @head.0.bn.weight : tensor<4xf32>
    %61 = simclr.load @head.0.bn.running_mean : tensor<4xf32>
    %62 = simclr.load @head.0.bn.running_var : tensor<4xf32>
    %output_6, %new_running_mean_7, %new_running_var_8 = simclr.batch_norm_train %59 scale %60 running %61, %62 {cross_replica} : tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    simclr.store %new_running_mean_7, @head.0.bn.running_mean : tensor<4xf32>
    simclr.store %new_running_var_8, @head.0.bn.running_var : tensor<4xf32>
    %63 = simclr.load @fc.weight : tensor<8x4xf32>
    %64 = simclr.load @fc.bias : tensor<8xf32>
    %65 = simclr.dense %output_6, %63, %64 : tensor<2x4xf32>, tensor<8x4xf32>, tensor<8xf32> -> tensor<2x8xf32>
    %loss, %accuracy = simclr.distillation_loss %65, %34 temperature 1.000000e+00 : tensor<2x8xf32>, tensor<2x8xf32>
    return %loss, %accuracy : tensor<f32>, tensor<f32>
  }
  func.func @predict(%arg0: tensor<2x1x8x8xf32>) -> tensor<2x8xf32> {
    %0 = simclr.load @conv1.weight : tensor<2x1x3x3xf32>
    %1 = simclr.conv2d %arg0, %0 stride [1, 1] padding [1, 1, 1, 1] : tensor<2x1x8x8xf32>, tensor<2x1x3x3xf32> -> tensor<2x2x8x8xf32>
    %2 = simclr.load @bn1.weight : tensor<2xf32>
    %3 = simclr.load @bn1.bias : tensor<2xf32>
    %4 = simclr.load @bn1.running_mean : tensor<2xf32>
    %5 = simclr.load @bn1.running_var : tensor<2xf32>
    %6 = simclr.batch_norm_infer %1 scale %2 offset %3 stats %4, %5 : tensor<2x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    %7 = simclr.relu %6 : tensor<2x2x8x8xf32>
    %8 = simclr.load @layer1.0.conv1.weight : tensor<2x2x3x3xf32>
    %9 = simclr.conv2d %7, %8 stride [1, 1] padding [1, 1, 1, 1] : tensor<2x2x8x8xf32>, tensor<2x2x3x3xf32> -> tensor<2x2x8x8xf32>
    %10 = simclr.load @layer1.0.bn1.weight : tensor<2xf32>
    %11 = simclr.load @layer1.0.bn1.bias : tensor<2xf32>
    %12 = simclr.load @layer1.0.bn1.running_mean : tensor<2xf32>
    %13 = simclr.load @layer1.0.bn1.running_var : tensor<2xf32>
    %14 = simclr.batch_norm_infer %9 scale %10 offset %11 stats %12, %13 : tensor<2x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    %15 = simclr.relu %14 : tensor<2x2x8x8xf32>
    %16 = simclr.load @layer1.0.conv2.weight : tensor<2x2x3x3xf32>
    %17 = simclr.conv2d %15, %16 stride [1, 1] padding [1, 1, 1, 1] : tensor<2x2x8x8xf32>, tensor<2x2x3x3xf32> -> tensor<2x2x8x8xf32>
    %18 = simclr.load @layer1.0.bn2.weight : tensor<2xf32>
    %19 = simclr.load @layer1.0.bn2.bias : tensor<2xf32>
    %20 = simclr.load @layer1.0.bn2.running_mean : tensor<2xf32>
    %21 = simclr.load @layer1.0.bn2.running_var : tensor<2xf32>
    %22 = simclr.batch_norm_infer %17 scale %18 offset %19 stats %20, %21 : tensor<2x2x8x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
    %23 = simclr.add %22, %7 : tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32> -> tensor<2x2x8x8xf32>
    %24 = simclr.relu %23 : tensor<2x2x8x8xf32>
    %25 = simclr.global_avg_pool %24 : tensor<2x2x8x8xf32> -> tensor<2x2xf32>
    %26 = simclr.load @head.0.fc.weight : tensor<4x2xf32>
    %27 = simclr.dense %25, %26 : tensor<2x2xf32>, tensor<4x2xf32> -> tensor<2x4xf32>
    %28 = simclr.load @head.0.bn.weight : tensor<4xf32>
    %29 = simclr.load @head.0.bn.running_mean : tensor<4xf32>
    %30 = simclr.load @head.0.bn.running_var : tensor<4xf32>
    %31 = simclr.batch_norm_infer %27 scale %28 stats %29, %30 : tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    %32 = simclr.load @fc.weight : tensor<8x4xf32>
    %33 = simclr.load @fc.bias : tensor<8xf32>
    %34 = simclr.dense %31, %32, %33 : tensor<2x4xf32>, tensor<8x4xf32>, tensor<8xf32> -> tensor<2x8xf32>
    return %34 : tensor<2x8xf32>
  }
}

